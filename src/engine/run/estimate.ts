import type { LayerInfo } from "../../shared/protocol";
import { layerInfo, type ModelRunner, showsAsLayer } from "./inference";
import { checkFixedSize } from "./inputSize";

/** A layer a run at some size would give, and the bytes its activation takes. */
export interface PlannedLayer {
  readonly info: LayerInfo;
  readonly bytes: number;
  /** Its shape is scaled from a probe run at another size, not worked out: close, not exact. */
  readonly estimated?: boolean;
}

/** Spatial side of the probe run that learns how a model's layers follow its input size. */
const PROBE_SIDE = 128;

interface Probe {
  readonly side: { readonly height: number; readonly width: number };
  readonly shapes: ReadonlyMap<string, readonly number[]>;
}

const probes = new WeakMap<ModelRunner, Promise<Probe | undefined>>();

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * The layers of a run at height x width, without running there: exact for architectures (their
 * plan), for ONNX models whose shapes are worked out from their ops (onnxShapes.ts) or that
 * onnxruntime infers; otherwise scaled from one small probe run, since a CNN's maps follow the
 * input size. What the memory budget is checked against, and what `layers` lists.
 */
export async function planLayers(runner: ModelRunner, height: number, width: number): Promise<PlannedLayer[]> {
  const { model } = runner;
  if (model.plan) {
    const shapes = new Map(model.plan(height, width).map((m) => [m.id, m.outputShape]));
    return model.candidates.flatMap((c) => {
      const shape = shapes.get(c.id);
      return shape ? [{ info: layerInfo(model, c, shape), bytes: 4 * count(shape) }] : [];
    });
  }
  checkFixedSize(model, height, width);
  const inferred = model.shapes?.(height, width).shapes;
  const declared = runner.declared();
  const known = model.candidates.every((c) => inferred?.has(c.tensor) || declared.get(c.id)?.shape.every((x) => x !== null));
  const probe = known ? undefined : await probeOf(runner);
  return model.candidates.flatMap((c) => {
    const d = declared.get(c.id);
    const exact = inferred?.get(c.tensor);
    if (!d || !showsAsLayer(model, c.tensor, d.type, exact?.length ?? d.shape.length)) return [];
    if (exact) return [{ info: layerInfo(model, c, exact), bytes: 4 * count(exact) }];
    // The probe saw the shape as the layer is shown; onnxruntime declares it as stored.
    const seen = probe?.shapes.get(c.id);
    const stored = c.nhwc && seen ? [seen[0], seen[2], seen[3], seen[1]] : seen;
    const [hAxis, wAxis] = c.nhwc ? [1, 2] : [2, 3];
    const shape = d.shape.map((x, i) => {
      if (x !== null) return x;
      if (i === 0 || d.shape.length !== 4) return stored?.[i] ?? 1;
      // Spatial axes follow the input: as seen in the probe, scaled; without one, at most the input.
      const [side, size] = i === hAxis ? [probe?.side.height, height] : i === wAxis ? [probe?.side.width, width] : [undefined, 1];
      return stored && side ? Math.max(1, Math.round((stored[i] * size) / side)) : (stored?.[i] ?? size);
    });
    return [{ info: layerInfo(model, c, shape), bytes: 4 * count(shape), ...(d.shape.every((x) => x !== null) ? {} : { estimated: true }) }];
  });
}

function probeOf(runner: ModelRunner): Promise<Probe | undefined> {
  let probe = probes.get(runner);
  if (!probe) {
    const { fixedSize, defaults, inputChannels } = runner.model;
    const side = fixedSize ?? { height: Math.min(PROBE_SIDE, defaults.height), width: Math.min(PROBE_SIDE, defaults.width) };
    probe = runner.run(new Float32Array(inputChannels * side.height * side.width), side.height, side.width).then(
      (r) => ({ side, shapes: new Map(r.layers.map((l) => [l.id, l.shape])) }),
      // A model that refuses the probe's size is estimated from its declared shapes alone.
      () => undefined,
    );
    probes.set(runner, probe);
  }
  return probe;
}
