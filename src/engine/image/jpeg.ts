import { existsSync, readFileSync } from "fs";
import * as path from "path";
import mozjpeg from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import type { RgbaImage } from "./decode";

// JPEG through libjpeg-turbo's decoder (mozjpeg's, built to WebAssembly by jSquash): the pixels
// cv2.imread and PIL give, bit for bit, where jpeg-js's upsampling differs by up to 46 levels, and
// about 4x faster.

interface Decoded {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** The Emscripten module: `decode` gives RGBA, turned by the EXIF orientation when asked. */
interface Decoder {
  decode(data: Uint8Array, exifOrientation: boolean): Decoded | null;
}

type Factory = (options: Record<string, unknown>) => Promise<Decoder>;

/** What is used of Node's WebAssembly, whose types come with the DOM's lib, not Node's. */
interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const { WebAssembly: wasm } = globalThis as unknown as { readonly WebAssembly: Wasm };

const WASM = "mozjpeg_dec.wasm";

/** A decoder grown past this by a big image is dropped: WebAssembly memory never shrinks. */
const KEEP_BYTES = 64 * 1024 * 1024;

/** libjpeg's message for colour spaces it does not turn into RGB (CMYK, YCCK): jimp decodes those. */
export const NO_RGB = "Unsupported color conversion request";

/** Beside the bundles (webpack emits it to dist/ under its own name); from the package itself in tsc's out/src/engine/image/. */
function wasmFile(): string {
  const beside = path.join(__dirname, WASM);
  return existsSync(beside) ? beside : path.join(__dirname, "..", "..", "..", "..", "node_modules", "@jsquash", "jpeg", "codec", "dec", WASM);
}

let compiled: Promise<object> | undefined;
let decoder: Promise<Decoder> | undefined;
/** What libjpeg printed during the current decode: its errors and warnings. */
let printed: string[] = [];

function instance(): Promise<Decoder> {
  const module = (compiled ??= wasm.compile(readFileSync(wasmFile())));
  decoder ??= module.then((compiledModule) =>
    (mozjpeg as unknown as Factory)({
      noInitialRun: true,
      instantiateWasm: (imports: object, done: (instance: object) => void) => {
        const made = new wasm.Instance(compiledModule, imports);
        done(made);
        return made.exports;
      },
      print: (line: string) => printed.push(line),
      printErr: (line: string) => printed.push(line),
    }),
  );
  return decoder;
}

/** Compiles the decoder ahead of the first JPEG, which would otherwise wait for it. */
export function prepareJpeg(): void {
  instance().catch(() => undefined);
}

/** Throws an Error with libjpeg's last message when the data cannot be decoded. */
export async function decodeJpeg(bytes: Uint8Array): Promise<RgbaImage> {
  const jpeg = await instance();
  printed = [];
  let decoded: Decoded | null;
  try {
    decoded = jpeg.decode(bytes, true);
  } catch {
    decoded = null;
  }
  if (!decoded) {
    // libjpeg ends the program on an error: the instance is not used again.
    decoder = undefined;
    throw new Error(printed.at(-1) ?? "libjpeg gave no pixels");
  }
  if (decoded.data.byteLength > KEEP_BYTES) decoder = undefined;
  const { width, height, data } = decoded;
  return { width, height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
