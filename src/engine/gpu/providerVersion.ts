import { readdirSync } from "fs";
import * as path from "path";
import { readRegularFileSync } from "../formats/files";
import { MANIFEST, type InstalledManifest } from "./install";

// Which onnxruntime a folder of provider libraries was built for, from what the usual sources
// leave beside them: the provider libraries must come from the same onnxruntime release as the
// libonnxruntime they plug into, and a mismatch fails in ways that name nothing useful.

export interface FoundVersion {
  readonly version: string;
  /** The file it was read from, for messages. */
  readonly from: string;
}

/** Version notes are small text files; a FIFO or a huge file in a user's folder is not one. */
const MAX_NOTE_BYTES = 1024 * 1024;

function read(file: string): string | undefined {
  try {
    return readRegularFileSync(file, "config", MAX_NOTE_BYTES).toString("utf8");
  } catch {
    return undefined;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

type Finder = (dir: string) => FoundVersion | undefined;

const FINDERS: readonly Finder[] = [
  // Installed by Feature Maps.
  (dir) => {
    const file = path.join(dir, MANIFEST);
    const text = read(file);
    if (text === undefined) return undefined;
    try {
      const version = (JSON.parse(text) as InstalledManifest).onnxruntime;
      return typeof version === "string" ? { version, from: file } : undefined;
    } catch {
      return undefined;
    }
  },
  // A release archive's lib folder: libonnxruntime.so.1.30.0, with VERSION_NUMBER one folder up.
  (dir) => {
    const lib = list(dir).find((f) => /^libonnxruntime\.so\.\d+\.\d+\.\d+$/.test(f));
    return lib ? { version: lib.slice("libonnxruntime.so.".length), from: path.join(dir, lib) } : undefined;
  },
  (dir) => {
    for (const file of [path.join(dir, "VERSION_NUMBER"), path.join(dir, "..", "VERSION_NUMBER")]) {
      const text = read(file)?.trim();
      if (text && /^\d+\.\d+\.\d+$/.test(text)) return { version: text, from: file };
    }
    return undefined;
  },
  // The onnxruntime-gpu wheel: onnxruntime/capi holds the libraries, onnxruntime/__init__.py the version.
  (dir) => {
    const file = path.join(dir, "..", "__init__.py");
    const m = /^__version__\s*=\s*["'](\d+\.\d+\.\d+)["']/m.exec(read(file) ?? "");
    return m ? { version: m[1], from: file } : undefined;
  },
  // An unpacked NuGet package: runtimes/<rid>/native, with the .nuspec three folders up.
  (dir) => {
    const root = path.join(dir, "..", "..", "..");
    const spec = list(root).find((f) => f.toLowerCase().endsWith(".nuspec"));
    const m = spec ? /<version>\s*(\d+\.\d+\.\d+)\s*<\/version>/.exec(read(path.join(root, spec)) ?? "") : null;
    return m && spec ? { version: m[1], from: path.join(root, spec) } : undefined;
  },
];

/** The onnxruntime version the provider libraries in `dir` belong to, when anything there says. */
export function providerVersion(dir: string): FoundVersion | undefined {
  for (const find of FINDERS) {
    const found = find(dir);
    if (found) return found;
  }
  return undefined;
}
