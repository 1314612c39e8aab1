import type { ErrorCode } from "../shared/errors";

/** What the user can do next, by what went wrong; undefined where the message says it all. */
const HINTS: Readonly<Record<ErrorCode, string | undefined>> = {
  IMAGE_UNREADABLE: "Check that the file is a PNG, JPEG, BMP, GIF or TIFF image that opens elsewhere.",
  IMAGE_TOO_LARGE: "Raise featureMaps.maxMegapixels in Settings, or use a smaller image.",
  MODEL_INVALID: "Check the model (featureMaps.model in Settings, or the config's model): an ONNX CNN with one image input.",
  WEIGHTS_INVALID: "Check the weights (featureMaps.weights in Settings, or the config's weights): a PyTorch state_dict saved as .safetensors or with torch.save.",
  CONFIG_INVALID: "Fix the setting or config entry named above.",
  INPUT_INVALID: "Check the input settings (size, channels) against what the model takes.",
  LAYER_UNKNOWN: "Pick a layer from the list.",
  OP_UNSUPPORTED: "Pick a later layer, or a method that needs no gradient (EigenCAM, Score-CAM, occlusion).",
  CHANNEL_UNKNOWN: undefined,
  CUDA_UNAVAILABLE: 'Run "Feature Maps: Install GPU Acceleration (CUDA)" if its provider is missing, or set featureMaps.executionProvider to "auto" or "cpu" to run on the CPU.',
  OUT_OF_BUDGET: "Use a smaller input size.",
  OUTPUT_UNWRITABLE: "Choose another file or folder.",
  CANCELLED: undefined,
  TIMEOUT: "Retry; a large model or input may need more time.",
  ENGINE_CRASHED: "Retry; if it happens again, the model crashes onnxruntime.",
  WORKSPACE_UNTRUSTED: "Trust the workspace (Manage Workspace Trust in the Command Palette) to run its model configs.",
  BAD_REQUEST: undefined,
  NOT_READY: undefined,
  INTERNAL: "Retry; if it happens again, the Feature Maps output log says more.",
};

export function hintFor(code: ErrorCode): string | undefined {
  return HINTS[code];
}
