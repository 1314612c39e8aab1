import * as assert from "assert";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import type { FeatureMapsApi } from "../../src/host/extension";
import type { PaintInfo, ViewController } from "../../src/host/viewController";
import { colormapLut } from "../../src/shared/colormaps";
import { toBytes } from "../../src/shared/normalize";
import type { Snapshot } from "../../src/shared/protocol";

export const EXTENSION_ID = "feature-maps.feature-maps";

export async function api(): Promise<FeatureMapsApi> {
  const extension = vscode.extensions.getExtension<FeatureMapsApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.activate();
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "the tests run with a workspace folder open");
  return vscode.Uri.joinPath(folder.uri, name);
}

export function until<T>(what: string, event: vscode.Event<T>, accept: (value: T) => boolean, ms = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const sub = event((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}

/** The next paint of a layer (in a view, or any), or the current one if it is already on screen. */
export async function painted(controller: ViewController, layer: string, view?: "notebook" | "all"): Promise<PaintInfo> {
  const match = (p: PaintInfo | undefined): p is PaintInfo => p?.layer === layer && (view === undefined || p.view === view);
  if (match(controller.lastPaint)) return controller.lastPaint;
  return until(`a paint of ${layer} (${view})`, controller.onPainted, match);
}

/** The first paint after `controller` loads the image named `fileName` (a panel that follows still holds the last image's paint). */
export async function paintOf(controller: ViewController, fileName: string): Promise<PaintInfo> {
  let loaded = false;
  const paint = until(`a paint of ${fileName}`, controller.onPainted, () => loaded);
  await until(`a load of ${fileName}`, controller.onLoaded, (r) => !(r instanceof Error) && r.image?.fileName === fileName);
  loaded = true;
  return paint;
}

/** The error of the current or next failed load; a load that succeeds meanwhile (an earlier run) is passed over. */
export async function loadError(controller: ViewController): Promise<string> {
  if (controller.lastError) return controller.lastError;
  const result = await until("a failed load", controller.onLoaded, (r) => r instanceof Error);
  return (result as Error).message;
}

/** The RGB a snapshot shows for activation pixel (x, y) of tile `index`: the centre of its upscaled cell. */
export function tilePixel(snapshot: Snapshot, index: number, x: number, y: number, height: number, width: number): number[] {
  const { picture, layout } = snapshot;
  const x0 = (index % layout.columns) * (layout.tileWidth + layout.gap);
  const y0 = Math.floor(index / layout.columns) * (layout.tileHeight + layout.gap);
  const px = x0 + Math.floor(((x + 0.5) * layout.tileWidth) / width);
  const py = y0 + Math.floor(((y + 0.5) * layout.tileHeight) / height);
  const o = (py * picture.width + px) * 4;
  return [...picture.rgba.subarray(o, o + 3)];
}

/**
 * Checks that tile `index` of the snapshot shows `values` through viridis, each value scaled to
 * the channel's own min..max as the reference notebook's imshow does: the centre pixel of every upscaled cell.
 */
export async function assertTileShows(controller: ViewController, index: number, values: Float32Array, height: number, width: number): Promise<void> {
  const snapshot = await controller.snapshot();
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const bytes = new Uint8Array(values.length);
  toBytes(values, { low, high }, bytes);
  const lut = colormapLut(snapshot.layout.colormap);
  let wrong = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const rgb = tilePixel(snapshot, index, x, y, height, width);
      const c = bytes[y * width + x] * 3;
      // One colormap step of slack: PyTorch's float32 values and ours differ in the last bits.
      const near = (i: number) => Math.abs(rgb[i] - lut[c + i]) <= 6;
      if (!(near(0) && near(1) && near(2))) wrong++;
    }
  }
  assert.ok(wrong <= values.length * 0.001, `${wrong} of ${values.length} pixels of tile ${index} are not the expected colour`);
}

export function tmpFile(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(os.tmpdir(), `fm-it-${process.pid}-${name}`));
}
