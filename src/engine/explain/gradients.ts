import type * as Ort from "onnxruntime-node";
import { onnx } from "onnx-proto";
import { FeatureMapsError } from "../../shared/errors";
import type { ScoreReduction } from "../../shared/choices";
import type { Activation } from "../analysis/stats";
import { pruneTo } from "../model/prune";
import type { DerivedSession, ModelRunner } from "../run/inference";
import { GRADIENT_OUTPUT, gradientGraph, SEED_INPUT } from "./gradientGraph";
import { classScores, scoreSeed } from "./target";

/** A layer's activation and the gradient of one class score with respect to it. */
export interface LayerGradient {
  readonly activation: Activation;
  /** Absent when the sessions were opened without the backward pass. */
  readonly gradient?: Activation;
  readonly output: Activation;
  readonly classIndex: number;
  readonly score: number;
}

function tensorOf(value: Ort.Tensor | undefined, name: string, label: string): Activation {
  if (!value || value.type !== "float32") throw new FeatureMapsError("MODEL_INVALID", `${label}: "${name}" is not a float32 tensor`);
  return { shape: [...value.dims], data: value.data as Float32Array };
}

/**
 * The two sessions a gradient takes: the model's forward pass cut to what the backward graph reads,
 * and the backward graph of the part between the layer and the output. Methods without gradients
 * open the forward one only, so they work on models whose ops have no gradient here.
 */
export class GradientSessions {
  private constructor(
    private readonly runner: ModelRunner,
    private readonly forward: DerivedSession,
    private readonly backward: DerivedSession | undefined,
    private readonly forwardOutputs: readonly string[],
    readonly tensor: string,
    readonly output: string,
  ) {}

  static async open(runner: ModelRunner, layer: string, output: string | undefined, withBackward: boolean): Promise<GradientSessions> {
    const { model } = runner;
    const tensor = model.candidates.find((c) => c.id === layer || c.tensor === layer)?.tensor;
    if (tensor === undefined) throw new FeatureMapsError("LAYER_UNKNOWN", `no layer "${layer}" in ${model.label}`);
    const out = output ?? model.outputs[0];
    if (!model.outputs.includes(out)) {
      throw new FeatureMapsError("INPUT_INVALID", `${model.label} has no output "${out}" (its outputs: ${model.outputs.join(", ")})`);
    }
    let plan: ReturnType<typeof gradientGraph> | undefined;
    const backward = withBackward
      ? await runner.derived((bytes) => {
          plan = gradientGraph(onnx.ModelProto.decode(bytes), tensor, out, model.label);
          return plan.bytes;
        })
      : undefined;
    const forwardOutputs = [...new Set([tensor, out, ...(plan?.forwardTensors ?? [])])];
    const forward = await runner.derived((bytes) => pruneTo(bytes, forwardOutputs, [model.inputName]));
    return new GradientSessions(runner, forward, backward, forwardOutputs, tensor, out);
  }

  /** `pick` chooses the class from the output, before the backward pass. */
  async run(input: Float32Array, height: number, width: number, pick: (output: Activation) => number, reduce: ScoreReduction): Promise<LayerGradient> {
    const { model } = this.runner;
    const shape = [1, model.inputChannels, height, width];
    const forwardValues = await this.forward.run({ [model.inputName]: this.forward.tensor(input, shape) });
    const output = tensorOf(forwardValues[this.output], this.output, model.label);
    const classIndex = pick(output);
    const seed = scoreSeed(output.shape, classIndex, reduce, model.label);
    let gradient: Activation | undefined;
    if (this.backward) {
      const feeds: Record<string, Ort.Tensor> = { [SEED_INPUT]: this.backward.tensor(seed, output.shape) };
      for (const name of this.forwardOutputs) feeds[name] = forwardValues[name];
      gradient = tensorOf((await this.backward.run(feeds))[GRADIENT_OUTPUT], GRADIENT_OUTPUT, model.label);
    }
    return {
      activation: tensorOf(forwardValues[this.tensor], this.tensor, model.label),
      ...(gradient ? { gradient } : {}),
      output,
      classIndex,
      score: classScores(output, reduce, model.label)[classIndex],
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.forward.release(), this.backward?.release()]);
  }
}
