// The installed-VSIX suite: run by run-tests.mjs --vsix, with no extension under development.
import { runSuite } from "../integration/index";

export function run(): Promise<void> {
  return runSuite(__dirname);
}
