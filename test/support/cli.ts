import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CLI } from "./paths";

const run = promisify(execFile);

/** The CLI in its own process: exit code and both streams, failure or not. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
