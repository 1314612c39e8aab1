import { promises as fs, type Stats } from "fs";
import * as path from "path";
import { IMAGE_EXTENSIONS } from "../../shared/choices";
import { checkpoint, FeatureMapsError } from "../../shared/errors";

/** An image file found under the scanned folder. */
export interface FoundImage {
  /** Relative to the folder, with `/` separators: the same on every platform and in every result. */
  readonly path: string;
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
}

function isImageName(name: string): boolean {
  const ext = path.extname(name).slice(1).toLowerCase();
  return (IMAGE_EXTENSIONS as readonly string[]).includes(ext);
}

/** Links are followed; a dangling one, or one we may not read, is no image. */
async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch {
    return undefined;
  }
}

/** Too many images: refused before any is decoded, with the setting and the option that raise the bound. */
export function tooManyImages(root: string, maxImages: number): FeatureMapsError {
  return new FeatureMapsError("INPUT_INVALID", `${root} holds more than ${maxImages} images: scan a smaller folder, or raise featureMaps.scan.maxImages (CLI: --max-images)`);
}

/**
 * The image files under `root`, recursively, sorted by relative path. Links are followed, each
 * folder entered once (a link back to a parent is no loop), and only regular files with an
 * image extension count: a FIFO or a device named `x.png` is passed over, never opened.
 */
export async function walkImages(root: string, maxImages: number, signal?: AbortSignal): Promise<FoundImage[]> {
  const top = await statOrUndefined(root);
  if (!top?.isDirectory()) throw new FeatureMapsError("INPUT_INVALID", `${root} is not a folder`);
  const seen = new Set<string>([`${top.dev}:${top.ino}`]);
  const found: FoundImage[] = [];
  const pending: string[] = [""];
  while (pending.length > 0) {
    checkpoint(signal);
    const relative = pending.pop() as string;
    let entries: string[];
    try {
      entries = await fs.readdir(path.join(root, relative));
    } catch {
      // A folder we may not read holds nothing we can scan.
      continue;
    }
    for (const name of entries) {
      const rel = relative === "" ? name : `${relative}/${name}`;
      const file = path.join(root, rel);
      const s = await statOrUndefined(file);
      if (!s) continue;
      if (s.isDirectory()) {
        const id = `${s.dev}:${s.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
        pending.push(rel);
      } else if (s.isFile() && isImageName(name)) {
        if (found.length >= maxImages) throw tooManyImages(root, maxImages);
        found.push({ path: rel, file, size: s.size, mtimeMs: s.mtimeMs });
      }
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
