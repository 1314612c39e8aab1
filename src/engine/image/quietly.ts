// utif2 and omggif report through console.log: "==== 8 5" for every tiled TIFF, "Warning, gif
// stream shorter than expected." for a short GIF frame. In the CLI those lines would land in the
// JSON on stdout, in the inference process in the host's log. Decoding is synchronous, so nothing
// else can print while it runs: the console is swapped for a collector for exactly that call, and
// the caller decides what a collected line means.

const METHODS = ["log", "info", "warn", "error", "debug"] as const;

export function quietly<T>(decode: () => T): { readonly result: T; readonly printed: readonly string[] } {
  const saved = METHODS.map((m) => console[m]);
  const printed: string[] = [];
  for (const m of METHODS) console[m] = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  try {
    return { result: decode(), printed };
  } finally {
    METHODS.forEach((m, i) => (console[m] = saved[i]));
  }
}
