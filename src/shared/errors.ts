// Errors cross every boundary (inference process -> host -> webview, and out of the CLI) as
// data with a code from this list: what the user is told to do next follows from the code,
// never from matching the message's words.

export const ERROR_CODES = [
  /** The image file is missing, not an image, cut short, or cannot be decoded. */
  "IMAGE_UNREADABLE",
  /** The image is larger than featureMaps.maxMegapixels. */
  "IMAGE_TOO_LARGE",
  /** The ONNX file or built model cannot be read, loaded or run. */
  "MODEL_INVALID",
  /** A weights file cannot be read or does not fit the architecture. */
  "WEIGHTS_INVALID",
  /** A setting or a model config is invalid. */
  "CONFIG_INVALID",
  /** A tensor input does not fit the model. */
  "INPUT_INVALID",
  "LAYER_UNKNOWN",
  /** An op between the explained layer and the output has no gradient here. */
  "OP_UNSUPPORTED",
  "CHANNEL_UNKNOWN",
  /** CUDA was asked for and could not be used. */
  "CUDA_UNAVAILABLE",
  "OUT_OF_BUDGET",
  /** An output file cannot be written (a device, a full disk, no permission); any original is kept. */
  "OUTPUT_UNWRITABLE",
  "CANCELLED",
  "TIMEOUT",
  /** The inference process ended while working. */
  "ENGINE_CRASHED",
  /** A message that does not follow the protocol. */
  "BAD_REQUEST",
  /** The workspace is in Restricted Mode: its model configs do not run until it is trusted. */
  "WORKSPACE_UNTRUSTED",
  /** Nothing is shown yet, or the view did not answer. */
  "NOT_READY",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error as it travels: plain data that structured clone and JSON both carry. */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  readonly detail?: string;
}

export class FeatureMapsError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(value);
}

/** Any thrown value as error data; what is not ours is INTERNAL, keeping its message. */
export function toErrorData(e: unknown): ErrorData {
  if (e instanceof FeatureMapsError) return e.detail === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, detail: e.detail };
  const message = e instanceof Error ? e.message : String(e);
  return { code: "INTERNAL", message };
}

export function fromErrorData(data: ErrorData): FeatureMapsError {
  return new FeatureMapsError(data.code, data.message, data.detail);
}

export function errorCode(e: unknown): ErrorCode {
  return e instanceof FeatureMapsError ? e.code : "INTERNAL";
}

export function cancelled(): FeatureMapsError {
  return new FeatureMapsError("CANCELLED", "cancelled");
}

/** Throws CANCELLED at a safe point once the signal has fired. */
export function checkpoint(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}
