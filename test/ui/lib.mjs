// Helpers shared by the UI test (test/ui/explorer.ui.mjs) and the benchmark (bench/vscode.mjs):
// finding the Feature Maps webviews inside the workbench, reading their grid's pixels, and
// timing paints without any hook in the extension.
//
// A webview is two nested iframes: VS Code's host page (.../webview/browser/pre/index.html) and,
// inside it, the frame holding our HTML (#app, the .grid-canvas elements). Playwright reaches both
// through page.frames().
/* global document, window, location */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const FIXTURE = join(REPO_ROOT, "test/fixtures/workspace");
export const VIEWPORT = { width: 1600, height: 1000 };
/** The side view's HTML carries its view id as its resource (src/host/sideView.ts). */
const SIDE_VIEW_RESOURCE = "featureMaps.sideView";

/** A throwaway copy of the fixture workspace, so nothing in the repo changes. */
export function tempWorkspace() {
  const dir = mkdtempSync(join(tmpdir(), "fm-ui-ws-"));
  cpSync(FIXTURE, dir, { recursive: true });
  return { dir, name: basename(dir), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy; throws `what` on timeout. */
export async function waitUntil(probe, { timeout = 30_000, interval = 100, what = "condition" } = {}) {
  const t0 = Date.now();
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e; // a frame navigating away mid-evaluate; try again
    }
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${String(last?.message ?? last)})`);
    await sleep(interval);
  }
}

/**
 * Must run before the workbench loads (withWorkbench's beforeNavigate). Records, with a clock
 * shared by all frames (timeOrigin + now), what the extension itself never exposes:
 *  - in the main page, the last mouseup and keydown (the user's click or keystroke);
 *  - in every webview host frame (__fmPaints), each message our webview posts: `ready`,
 *    `painted`, and its requests by method (`layer`, `channel`...; see src/shared/rpc.ts)... Our HTML calls the host frame's __vscode_post_message__
 *    synchronously right after putImageData (webview-ui/grid/picture.ts paint()), so wrapping that
 *    function timestamps the paint itself, not a polling interval;
 *  - in every webview host frame (__fmReceived), each message the extension sends (`loaded`,
 *    and `result`/`error` answers to the webview's requests) as it arrives, just before VS Code
 *    forwards it to our frame.
 */
export async function installProbes(page) {
  await page.addInitScript(() => {
    const now = () => performance.timeOrigin + performance.now();
    if (location.pathname.endsWith("/webview/browser/pre/index.html")) {
      const paints = (window.__fmPaints = []);
      // VS Code hands the extension's messages to this frame on a MessagePort whose onmessage it sets.
      const received = (window.__fmReceived = []);
      const onmessage = Object.getOwnPropertyDescriptor(MessagePort.prototype, "onmessage");
      Object.defineProperty(MessagePort.prototype, "onmessage", {
        configurable: true,
        get() {
          return onmessage.get.call(this);
        },
        set(fn) {
          onmessage.set.call(this, (e) => {
            const m = e.data?.channel === "message" ? e.data.args?.message : undefined;
            if (typeof m?.type === "string") {
              const first = m.type === "loaded" ? m.model.layers.find((l) => l.id === "features.0") : undefined;
              received.push({ t: now(), type: m.type, channels: first?.shape[1], colormap: m.defaults?.colormap });
            } else if (m?.rpc === "result" || m?.rpc === "error") {
              received.push({ t: now(), type: m.rpc, layer: m.value?.layer });
            }
            return fn.call(this, e);
          });
        },
      });
      let wrapped;
      Object.defineProperty(window, "__vscode_post_message__", {
        configurable: true,
        get: () => wrapped,
        set(fn) {
          wrapped = (command, data) => {
            const m = data?.message;
            if (command === "onmessage" && m?.type === "painted") {
              paints.push({ t: now(), type: m.type, layer: m.layer, tiles: m.tiles, view: m.view, shown: m.channels.length });
            } else if (command === "onmessage" && typeof m?.type === "string") {
              paints.push({ t: now(), type: m.type });
            } else if (command === "onmessage" && m?.rpc === "call") {
              paints.push({ t: now(), type: m.method, layer: m.params?.request?.layer ?? m.params?.layer });
            }
            return fn(command, data);
          };
        },
      });
    } else if (window === window.top) {
      // Event.timeStamp is when the input happened, on this document's clock.
      window.addEventListener("mouseup", (e) => (window.__fmMouseUp = performance.timeOrigin + e.timeStamp), true);
      window.addEventListener("keydown", (e) => (window.__fmKeyDown = performance.timeOrigin + e.timeStamp), true);
    }
  });
}

/**
 * Clicks an entry of an open context menu. The workbench's menu can ignore a click that comes
 * within moments of it opening (seen here as the entry staying highlighted and the menu open),
 * so give it a moment, and click again only if the menu is still up.
 */
export async function clickMenuItem(page, menu, text) {
  const item = menu.getByText(text, { exact: true });
  for (let attempt = 0; ; attempt++) {
    await sleep(250);
    await item.click();
    try {
      await menu.waitFor({ state: "hidden", timeout: 2000 });
      return;
    } catch (e) {
      if (attempt === 2) throw new Error(`the context menu stayed open after clicking "${text}": ${e.message}`);
    }
  }
}

/** The inner frame of a Feature Maps webview: "panel" or "side", once its #app exists. */
export async function findWebview(page, which, timeout = 60_000) {
  return waitUntil(
    async () => {
      for (const frame of page.frames()) {
        if (frame.isDetached() || !frame.parentFrame()) continue;
        const resource = await frame.evaluate(() => document.getElementById("app")?.dataset.resource).catch(() => undefined);
        if (resource === undefined) continue;
        if ((which === "side") === (resource === SIDE_VIEW_RESOURCE)) return frame;
      }
      return undefined;
    },
    { timeout, interval: 200, what: `the ${which} webview` },
  );
}

/** Paint records of a webview (see installProbes), from its host frame; or those of another message `type`. */
export async function paints(inner, type = "painted") {
  return (await inner.parentFrame().evaluate(() => window.__fmPaints ?? [])).filter((p) => p.type === type);
}

/** Messages the extension sent to a webview ({ t, type, layer?, channels?, colormap? }), as they reached it. */
export async function received(inner, type) {
  return (await inner.parentFrame().evaluate(() => window.__fmReceived ?? [])).filter((m) => m.type === type);
}

/** Waits for a paint record after time `since` matching `match`, and returns it. */
export async function waitForPaint(inner, since, match = () => true, timeout = 60_000) {
  return waitUntil(async () => (await paints(inner)).find((p) => p.t > since && match(p)), { timeout, interval: 50, what: "a painted grid" });
}

/** For each picture in a view's header (the original, the model's input): the share of its pixels that are opaque and not black. */
export function headerPictures(inner) {
  return inner.evaluate(() =>
    [...document.querySelectorAll(".header-figures canvas")].map((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] === 255 && d[i] + d[i + 1] + d[i + 2] > 0) lit++;
      return lit / (c.width * c.height);
    }),
  );
}

/** Timestamps of the last mouseup / keydown in the main page (see installProbes). */
export const lastMouseUp = (page) => page.evaluate(() => window.__fmMouseUp ?? 0);
export const lastKeyDown = (page) => page.evaluate(() => window.__fmKeyDown ?? 0);

/**
 * What the grid shows, read from its canvases' real pixels. With `columns`, also how many tiles
 * of a `columns`-wide grid of `tiles` tiles are painted: opaque all over (the gaps between tiles
 * stay transparent, and so does a tile not yet painted). A tile may legitimately be one flat colour
 * (a dead ReLU channel), so colours are counted over the whole grid instead.
 */
export function gridPixels(inner, { columns, tiles } = {}) {
  return inner.evaluate(
    ({ columns, tiles }) => {
      const GAP = 4; // webview-ui/tileGeometry.ts
      const canvases = [...document.querySelectorAll("canvas.grid-canvas")].filter((c) => c.width > 0 && c.height > 0);
      const title = document.querySelector(".layer-title")?.textContent ?? "";
      if (canvases.length === 0) return { title, canvases: 0, colours: 0, opaque: 0, hash: 0, paintedTiles: 0 };
      // The first band is enough for the notebook figure (one band) and the top of the "all" view.
      const c = canvases.reduce((a, b) => (parseFloat(a.style.top) <= parseFloat(b.style.top) ? a : b));
      const { data, width, height } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
      const colours = new Set();
      let opaque = 0;
      let hash = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 255) {
          opaque++;
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
        hash = (Math.imul(hash, 31) + data[i] + 3 * data[i + 1] + 7 * data[i + 2] + 11 * data[i + 3]) | 0;
      }
      let paintedTiles = 0;
      if (columns && tiles) {
        const rows = Math.ceil(tiles / columns);
        const tw = (width - GAP * (columns - 1)) / columns;
        const th = (height - GAP * (rows - 1)) / rows;
        for (let t = 0; t < tiles; t++) {
          const x0 = Math.round((t % columns) * (tw + GAP));
          const y0 = Math.round(Math.floor(t / columns) * (th + GAP));
          let solid = 0;
          let n = 0;
          for (let y = y0; y < y0 + th; y += 2) {
            for (let x = x0; x < x0 + tw; x += 2) {
              n++;
              if (data[(Math.floor(y) * width + Math.floor(x)) * 4 + 3] === 255) solid++;
            }
          }
          if (solid > 0.95 * n) paintedTiles++;
        }
      }
      return { title, canvases: canvases.length, width, height, colours: colours.size, opaque: opaque / (width * height), hash, paintedTiles };
    },
    { columns, tiles },
  );
}

/** The layer the grid's title names (".layer-title": "<name> <op> [shape]"). */
export function gridTitle(inner) {
  return inner.evaluate(() => document.querySelector(".layer-title")?.textContent?.trim() ?? "");
}

/**
 * Runs a command through the command palette, as a user would (F1, type, Enter). `expect` is
 * text the highlighted entry must show before Enter (the list filters asynchronously, and Enter
 * too early runs whatever matched before).
 */
export async function runCommand(page, text, expect = text) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(`>${text}`);
  const focused = page.locator(".quick-input-list .monaco-list-row.focused");
  await waitUntil(async () => (await focused.count()) > 0 && (await focused.first().textContent()).includes(expect), {
    timeout: 15_000,
    what: `"${expect}" in the command palette`,
  });
  await page.keyboard.press("Enter");
}

/**
 * Drags the sash on the sidebar's right edge so the sidebar is about `width` px wide; the side
 * view switches to its two-column layout from 500 px on (webview-ui/layout.ts).
 */
export async function resizeSidebar(page, width) {
  const box = await page.locator("#workbench\\.parts\\.sidebar").boundingBox();
  const x = box.x + box.width;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
}

/** Selects the first match of `text` after the cursor with the editor's Find widget (Ctrl+F). */
export async function findInEditor(page, text) {
  await page.keyboard.press("Control+F");
  const input = page.locator(".editor-widget.find-widget textarea, .editor-widget.find-widget input").first();
  await input.waitFor();
  await input.fill(text);
  // Escape closes the widget and leaves the match selected in the editor.
  await sleep(200);
  await page.keyboard.press("Escape");
}

/** The Explorer's "Feature Maps" view: made visible and expanded through its focus command. */
export async function showSideView(page) {
  const header = page.locator(".pane-header", { hasText: /^Feature Maps/i });
  for (let attempt = 0; ; attempt++) {
    await runCommand(page, "featureMaps.sideView.focus", "Focus on Feature Maps View");
    try {
      await waitUntil(async () => (await header.getAttribute("aria-expanded")) === "true", { timeout: 5000, what: "the Feature Maps view expanded" });
      return;
    } catch (e) {
      if (attempt === 2) throw e;
    }
  }
}

/** Picks an entry of one of the webview's vscode-single-select controls by clicking, like a user. */
export async function chooseOption(inner, controlClass, optionText) {
  await inner.locator(`.${controlClass} vscode-single-select`).click();
  // The dropdown's entries live in the element's shadow root (Playwright's CSS sees through it).
  await inner.locator(`.${controlClass} vscode-single-select li[role="option"]`, { hasText: optionText }).click();
}
