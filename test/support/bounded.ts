import { spawn } from "child_process";
import { CLI } from "./paths";

export interface BoundedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident memory of the process, in MB (VmHWM; getrusage's ru_maxrss where /proc is missing). */
  readonly peakMB: number;
  readonly timedOut: boolean;
}

// Runs the CLI in a child process that reports its own peak memory at exit, killed past the time
// bound: hostile inputs are judged by a clear error within bounds, not just by an error.
// The peak is Linux's VmHWM of the process's own memory: getrusage's maxRSS keeps the high-water
// mark of the memory the child had before exec, a copy of the parent's, so a test process holding
// 600 MB would see every CLI it starts peak at 600 MB.
const REPORT =
  "process.on('exit', () => { let kb = process.resourceUsage().maxRSS; try { kb = Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]); } catch {} process.stderr.write('\\n@@peak ' + kb + '\\n'); });";

export function runCliBounded(args: readonly string[], options: { readonly timeoutMs: number; readonly maxMB?: number }): Promise<BoundedRun> {
  const heap = options.maxMB === undefined ? [] : [`--max-old-space-size=${options.maxMB}`];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...heap, "-e", `${REPORT} process.argv.splice(1, 0, ${JSON.stringify(CLI)}); require(${JSON.stringify(CLI)});`, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const peak = /\n@@peak (\d+)\n/.exec(stderr);
      resolve({ code, signal, stdout, stderr: stderr.replace(/\n@@peak \d+\n/, ""), peakMB: peak ? Number(peak[1]) / 1024 : NaN, timedOut });
    });
  });
}
