import { createHash } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";
import type { FoundImage } from "../../engine/scan/walk";
import { parseScanJson, scanJson } from "../../engine/scan/export";
import type { ScanResult } from "../../shared/scan";

/** Results kept: the oldest beyond this are deleted when a new one is stored. */
const KEPT_RESULTS = 20;

/** What a stored result was computed from: the files' paths, sizes and times. */
export function folderStamp(files: readonly FoundImage[]): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(`${f.path}\0${f.size}\0${f.mtimeMs}\n`);
  return hash.digest("hex");
}

/**
 * Scan results on disk, one file per (model identity, folder, layer, preprocessing, top), reused
 * while no image in the folder changed; a bounded number, oldest deleted first.
 */
export class ScanCache {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`);
  }

  async get(key: string, stamp: string): Promise<ScanResult | undefined> {
    const file = this.file(key);
    try {
      const stored = JSON.parse(await fs.readFile(file, "utf8")) as { key?: unknown; stamp?: unknown; result?: unknown };
      if (stored.key !== key || stored.stamp !== stamp) return undefined;
      const result = parseScanJson(JSON.stringify(stored.result), file);
      // Touched, so the oldest-first clean-up keeps what is used.
      const now = new Date();
      await fs.utimes(file, now, now);
      return result;
    } catch {
      return undefined;
    }
  }

  async put(key: string, stamp: string, result: ScanResult): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = this.file(key);
    const temporary = `${file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, `{"key":${JSON.stringify(key)},"stamp":${JSON.stringify(stamp)},"result":${scanJson(result)}}`);
    await fs.rename(temporary, file);
    await this.trim();
  }

  private async trim(): Promise<void> {
    const names = (await fs.readdir(this.dir)).filter((n) => n.endsWith(".json"));
    if (names.length <= KEPT_RESULTS) return;
    const dated = await Promise.all(names.map(async (n) => ({ n, t: (await fs.stat(path.join(this.dir, n))).mtimeMs })));
    dated.sort((a, b) => a.t - b.t);
    await Promise.all(dated.slice(0, dated.length - KEPT_RESULTS).map((d) => fs.rm(path.join(this.dir, d.n), { force: true })));
  }
}
