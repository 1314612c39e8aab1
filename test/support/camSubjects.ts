import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readNpy } from "../../src/engine/formats/npy";
import { BUILTIN_MODEL, type ModelSource, prepareModel } from "../../src/engine/model/models";
import { ModelRunner } from "../../src/engine/run/inference";
import { REFERENCE } from "./paths";
import { resnet18Export, resnet18Pth } from "./pthWriter";
import { referenceInput } from "./reference";

/** A model the explanation tests hold to PyTorch, with its committed reference (test/reference/cam/). */
export interface CamSubject {
  readonly name: string;
  readonly reference: string;
  readonly model: ModelSource | (() => Promise<ModelSource>);
  readonly input: () => Promise<Float32Array>;
  readonly size: number;
  /** The untrained built-in model's score moves by ~1e-6 under occlusion, float32 noise: occlusion is proven on the others. */
  readonly occlusion: boolean;
}

const CAM = path.join(REFERENCE, "cam");

async function npy(name: string): Promise<Float32Array> {
  return readNpy(await fs.readFile(path.join(CAM, name)), name).data;
}

// The built-in model (Conv, BatchNormalization, Relu, Dropout, MaxPool, Reshape, Gemm,
// LogSoftmax; its batch axis freed for altered inputs), a PyTorch export whose head holds the
// other ops the backward graph knows (scripts/make_cam_tiny.py), torchvision's resnet18 built
// from its architecture with weights read from a .pth (residual Adds, containers), and PyTorch's
// own export of resnet18 refilled with the same weights (scripts/make_export_skeleton.py): the
// backward graph of a file we did not build, its layers found by their module names.
export const CAM_SUBJECTS: readonly CamSubject[] = [
  { name: "the built-in model", reference: "xai-seed0.json", model: BUILTIN_MODEL, input: referenceInput, size: 100, occlusion: false },
  { name: "a PyTorch export", reference: "tiny.json", model: { kind: "onnx", path: path.join(CAM, "tiny.onnx") }, input: () => npy("tiny-input.npy"), size: 32, occlusion: true },
  {
    name: "torchvision's resnet18 read from a .pth",
    reference: "resnet18.json",
    model: async () => ({ kind: "torchvision", name: "resnet18", weights: { file: await resnet18Pth() } }),
    input: () => npy("resnet18-input.npy"),
    size: 64,
    occlusion: true,
  },
  {
    name: "PyTorch's own ONNX export of resnet18, with the same weights",
    reference: "resnet18.json",
    model: async () => ({ kind: "onnx", path: await resnet18Export() }),
    input: () => npy("resnet18-input.npy"),
    size: 64,
    occlusion: true,
  },
];

export async function openSubject(subject: CamSubject): Promise<ModelRunner> {
  const source = typeof subject.model === "function" ? await subject.model() : subject.model;
  return ModelRunner.open(await prepareModel(source), { provider: "cpu" });
}

/** A committed reference of test/reference/cam/, parsed. */
export async function camReference<T>(name: string): Promise<T> {
  return JSON.parse(await fs.readFile(path.join(CAM, name), "utf8")) as T;
}

export { npy as camArray };
