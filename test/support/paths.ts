import * as path from "path";

// Compiled tests live in out/test/..., so the repository root is three levels up.
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const REFERENCE = path.join(ROOT, "test", "reference");
export const FIXTURES = path.join(ROOT, "test", "fixtures");
export const SAMPLE_IMAGE = path.join(ROOT, "media", "samples", "chelsea.png");
/** The CLI and the inference process as `tsc -p test` compiles them: unit tests need no bundle. */
export const CLI = path.join(ROOT, "out", "src", "cli", "main.js");
export const ENGINE_PROCESS = path.join(ROOT, "out", "src", "engine", "run", "engineProcess.js");
