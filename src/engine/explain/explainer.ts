import type * as Ort from "onnxruntime-node";
import { GRADIENT_METHODS, type ScoreReduction } from "../../shared/choices";
import type { ClassScore, ExplainParams, ExplainReply } from "../../shared/explain";
import type { Progress } from "../../shared/rpc";
import { checkpoint, FeatureMapsError } from "../../shared/errors";
import { batchedGraph } from "../run/batchAxis";
import type { DerivedSession, ModelRunner } from "../run/inference";
import { eigenCam, gradCam, gradCamPlusPlus, hiResCam, type Maps } from "./cams";
import { GradientSessions } from "./gradients";
import { RecentSessions } from "./recentSessions";

/** Sessions kept per kind: the layer (or output) on screen and the one before, for going back. */
const KEPT_SESSIONS = 2;

/** The model cut to one output, taking a stack of inputs when `batch`. */
interface Scorer {
  readonly session: DerivedSession;
  readonly batch: boolean;
  release(): Promise<void>;
}
import { type BatchScores, occlusion, scoreCam } from "./perturb";
import { classScores, topClasses } from "./target";

export interface ExplainOptions extends ExplainParams {
  /** Altered inputs per model run (Score-CAM, occlusion). */
  readonly batch: number;
  readonly progress?: Progress;
}

const GRADIENT_MAPS: Readonly<Record<string, (a: Maps, g: Maps) => Float32Array>> = {
  gradcam: gradCam,
  hirescam: hiResCam,
  "gradcam++": gradCamPlusPlus,
};

function asMaps(shape: readonly number[], data: Float32Array, layer: string): Maps {
  if (shape.length !== 4 || shape[0] !== 1) throw new FeatureMapsError("INPUT_INVALID", `layer "${layer}" has shape [${shape.join(", ")}]: a class activation map needs a [1, C, H, W] layer`);
  return { channels: shape[1], height: shape[2], width: shape[3], data };
}

/** The sessions explanations of one model take, opened on first use and kept with the model. */
export class Explainer {
  private readonly gradients = new RecentSessions<GradientSessions>(KEPT_SESSIONS);
  private readonly scorers = new RecentSessions<Scorer>(KEPT_SESSIONS);

  constructor(private readonly runner: ModelRunner) {}

  /** The layer a class map defaults to: the last 4-D layer whose spatial size is over 1. */
  static defaultLayer(layers: readonly { readonly id: string; readonly shape: readonly number[] }[]): string | undefined {
    return [...layers].reverse().find((l) => l.shape.length === 4 && l.shape[2] * l.shape[3] > 1)?.id;
  }

  private sessions(layer: string, output: string, withBackward: boolean): Promise<GradientSessions> {
    return this.gradients.get(JSON.stringify([layer, output, withBackward]), () => GradientSessions.open(this.runner, layer, output, withBackward));
  }

  /** The model cut to its output, taking a stack of inputs where it can (see batchedGraph). */
  private scorer(output: string): Promise<Scorer> {
    return this.scorers.get(output, async () => {
      let batch = false;
      const session = await this.runner.derived((bytes) => {
        const graph = batchedGraph(bytes, this.runner.model, output);
        batch = graph.batch;
        return graph.bytes;
      });
      return { session, batch, release: () => session.release() };
    });
  }

  /** The best `count` classes from a forward run of the output alone. */
  async predict(input: Float32Array, height: number, width: number, reduce: ScoreReduction, output: string | undefined, count: number): Promise<ClassScore[]> {
    const { model } = this.runner;
    const name = output ?? model.outputs[0];
    const forward = await (await this.sessions(name, name, false)).run(input, height, width, () => 0, reduce);
    return this.named(topClasses(classScores(forward.output, reduce, model.label), count));
  }

  async explain(input: Float32Array, height: number, width: number, o: ExplainOptions, signal?: AbortSignal): Promise<ExplainReply> {
    const { model } = this.runner;
    const output = o.output ?? model.outputs[0];
    const layer = o.layer;
    if (o.method !== "occlusion" && layer === undefined) throw new FeatureMapsError("INPUT_INVALID", `${o.method} needs a layer`);
    const gradientNeeded = GRADIENT_METHODS.includes(o.method);
    const sessions = await this.sessions(layer ?? output, output, gradientNeeded);
    checkpoint(signal);
    let chosen = o.classIndex;
    const forward = await sessions.run(input, height, width, (out) => (chosen ??= topClasses(classScores(out, o.reduce, model.label), 1)[0].index), o.reduce);
    const scores = classScores(forward.output, o.reduce, model.label);
    const classIndex = forward.classIndex;
    const base = { method: o.method, classIndex, score: scores[classIndex], top: this.named(topClasses(scores, 5)) };
    if (o.method !== "occlusion") {
      const a = asMaps(forward.activation.shape, forward.activation.data, layer ?? output);
      const at = { ...base, layer, height: a.height, width: a.width };
      if (o.method === "eigencam") return { ...at, map: eigenCam(a) };
      if (o.method === "scorecam") return { ...at, map: await scoreCam({ channels: model.inputChannels, height, width, data: input }, a, await this.batchScores(output, classIndex, o, height, width), { ...o, signal }) };
      const g = forward.gradient;
      if (!g) throw new FeatureMapsError("INTERNAL", `${o.method} ran without a gradient`);
      return { ...at, map: GRADIENT_MAPS[o.method](a, asMaps(g.shape, g.data, layer ?? output)) };
    }
    const map = await occlusion({ channels: model.inputChannels, height, width, data: input }, scores[classIndex], await this.batchScores(output, classIndex, o, height, width), { ...o, signal });
    return { ...base, height, width, map };
  }

  private async batchScores(output: string, classIndex: number, o: ExplainOptions, height: number, width: number): Promise<BatchScores> {
    const { session, batch } = await this.scorer(output);
    const { model } = this.runner;
    const one = model.inputChannels * height * width;
    const runStack = async (stack: Float32Array, count: number): Promise<Float64Array> => {
      const values = await session.run({ [model.inputName]: session.tensor(stack, [count, model.inputChannels, height, width]) });
      const out = values[output] as Ort.Tensor;
      const dims = [...out.dims];
      if (dims[0] % count !== 0) throw new FeatureMapsError("MODEL_INVALID", `${model.label}: ${count} inputs gave an output of ${dims[0]} rows, not a multiple of ${count}`);
      const per = (out.data as Float32Array).length / count;
      const shape = [dims[0] / count, ...dims.slice(1)];
      return Float64Array.from({ length: count }, (_, i) => classScores({ shape, data: (out.data as Float32Array).subarray(i * per, (i + 1) * per) }, o.reduce, model.label)[classIndex]);
    };
    if (batch) return runStack;
    return async (stack, count) => {
      const scores = new Float64Array(count);
      for (let i = 0; i < count; i++) scores.set(await runStack(stack.subarray(i * one, (i + 1) * one), 1), i);
      return scores;
    };
  }

  /** ImageNet's names on a 1000-class torchvision head. */
  private named(classes: ClassScore[]): ClassScore[] {
    const names = this.runner.model.classNames;
    return names ? classes.map((c) => (names[c.index] === undefined ? c : { ...c, name: names[c.index] })) : classes;
  }

  async release(): Promise<void> {
    await Promise.all([this.gradients.release(), this.scorers.release()]);
  }
}
