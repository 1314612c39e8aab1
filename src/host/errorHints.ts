/** What the user can do next about an error, by what the error is about. */
export function hintFor(message: string): string {
  if (/megapixels/.test(message)) return "Raise featureMaps.maxMegapixels in Settings, or use a smaller image.";
  if (/CUDA/.test(message)) return 'Set featureMaps.executionProvider to "auto" or "cpu" to run on the CPU.';
  if (/weights|safetensors/i.test(message)) return "Check featureMaps.weights (a PyTorch state_dict saved as .safetensors) in Settings.";
  if (/\.onnx|onnxruntime|ONNX|feature maps to show|inputs \(/.test(message)) return "Check featureMaps.model in Settings: an ONNX CNN with one image input.";
  if (/inference process/.test(message)) return "Retry; if it happens again, the model crashes onnxruntime.";
  if (/featureMaps\./.test(message)) return "Fix the setting named above.";
  return "Check that the file is a PNG, JPEG, BMP, GIF or TIFF image that opens elsewhere.";
}
