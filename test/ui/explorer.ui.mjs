#!/usr/bin/env node
// UI test: drives a real VS Code (test/runner/ui.mjs) like a user and checks what the screen shows.
//
//   npm run build && bash scripts/install-vscode-server.sh
//   node test/ui/explorer.ui.mjs            # FEATURE_MAPS_VERBOSE=1 forwards server/browser logs
//
// Panel: right-click chelsea.png in the Explorer → "Visualize Feature Maps" → a painted 4×4 grid
// of features.0; arrow keys and type-ahead in the layer list → other layers repaint.
// Side view: open xai.featuremaps.json, show the Explorer's "Feature Maps" view, edit the first
// conv's width in the editor → the view repaints with the new model.
// Explain: the toggle shows a Grad-CAM overlay (docs/screenshots/explain.png) and goes back to the grid.
// Following: a second image → the same panel on the same layer; the lock button; a third image → a
// new panel; Alt+Right → the next image of the folder.
// Folder scan: right-click a folder → "Scan Folder with Feature Maps", pick a layer → the progress
// notification shows, then the scan view paints its thumbnails and lists the corrupt file (docs/screenshots/scan.png).
// Screenshots go to docs/screenshots/. The last line is "N passed, N failed"; exit code 1 on failure.
/* global document */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { explorerItem, openContextMenu, waitForWorkbench, withWorkbench } from "../runner/ui.mjs";
import {
  REPO_ROOT,
  VIEWPORT,
  clickMenuItem,
  findInEditor,
  findWebview,
  gridPixels,
  headerPictures,
  installProbes,
  lastKeyDown,
  paints,
  resizeSidebar,
  runCommand,
  showSideView,
  sleep,
  tempWorkspace,
  waitUntil,
} from "./lib.mjs";

const SHOTS = join(REPO_ROOT, "docs/screenshots");
mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;

/**
 * Runs the steps of one scenario in order. Each step needs the previous one's state, so after a
 * failure the rest of that scenario is skipped (and the next scenario still runs).
 */
async function scenario(name, page, steps) {
  console.log(`\n${name}`);
  let broken = false;
  for (const [title, fn] of steps) {
    if (broken) {
      skipped++;
      console.log(`  - ${title} (skipped)`);
      continue;
    }
    const t0 = Date.now();
    try {
      const note = await fn();
      passed++;
      console.log(`  ✓ ${title} (${note ? `${note}; ` : ""}${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      broken = true;
      const shot = join(tmpdir(), `feature-maps-ui-failure-${passed + failed}.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      console.log(`  ✗ ${title}\n    ${String(e.stack ?? e).split("\n").join("\n    ")}\n    screenshot: ${shot}`);
    }
  }
}

function expect(ok, message) {
  if (!ok) throw new Error(message);
}

/**
 * Waits until the grid shows `tiles` painted tiles of `layer`. The title changes as soon as a layer
 * is picked, while the canvas still shows the previous one, so the webview's last paint report
 * must name the layer too (and be later than `since`) before the pixels are read.
 */
async function waitForGrid(frame, layer, { tiles = 16, columns = 4, since = 0, timeout = 60_000 } = {}) {
  return waitUntil(
    async () => {
      const last = (await paints(frame)).at(-1);
      if (!last || last.layer !== layer || last.t <= since || last.shown !== tiles) return undefined;
      const g = await gridPixels(frame, { columns, tiles });
      return g.title.startsWith(`${layer} `) && g.paintedTiles === tiles ? g : undefined;
    },
    { timeout, interval: 100, what: `${tiles} painted tiles of ${layer}` },
  );
}

/**
 * Grid pictures are activation maps through a colormap: many colours, not a flat or empty canvas.
 * (A 12×12 layer with dead channels has far fewer distinct values than a 98×98 one.)
 */
function expectRealPicture(g, what, minColours = 200) {
  expect(g.opaque > 0.8, `${what}: only ${(g.opaque * 100).toFixed(0)}% of the grid canvas is painted`);
  expect(g.colours >= minColours, `${what}: the grid shows only ${g.colours} distinct colours`);
}

/** Keeps the pointer off the grid (its hover readout) and the Explorer (hover highlight) for screenshots. */
async function parkMouse(page) {
  await page.mouse.move(VIEWPORT.width - 5, VIEWPORT.height / 2);
  await sleep(300);
}

/** The inner frame of the folder scan view (its page names the app "scan"). */
function findScanView(page) {
  return waitUntil(
    async () => {
      for (const frame of page.frames()) {
        if (frame.isDetached() || !frame.parentFrame()) continue;
        if ((await frame.evaluate(() => document.getElementById("app")?.dataset.app).catch(() => undefined)) === "scan") return frame;
      }
      return undefined;
    },
    { timeout: 60_000, interval: 200, what: "the scan view" },
  );
}

/** Folder scan from the Explorer: enough copies of the cat that the progress notification stays up a while, and a corrupt file. */
async function folderScanScenario(page, workspace) {
  const workspaceDir = workspace.dir;
  const folder = join(workspaceDir, "scan-me");
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < 300; i++) copyFileSync(join(workspaceDir, "chelsea.png"), join(folder, `cat${String(i).padStart(3, "0")}.png`));
  copyFileSync(join(workspaceDir, "grace_hopper.jpg"), join(folder, "grace_hopper.jpg"));
  writeFileSync(join(folder, "broken.png"), "not a PNG");
  let menu;
  await scenario("Folder scan from the Explorer", page, [
    [
      "the context menu of a folder offers Scan Folder with Feature Maps",
      async () => {
        await runCommand(page, "View: Close All Editors", "Close All Editors");
        // The side view's scenario folded the file list: unfold it.
        const files = page.locator(".pane-header", { hasText: workspace.name });
        if ((await files.getAttribute("aria-expanded")) !== "true") await files.click();
        menu = await openContextMenu(page, explorerItem(page, "scan-me"), { expect: "Scan Folder with Feature Maps" });
      },
    ],
    [
      "picking features.3 runs the scan with the progress notification visible (done/total, rate)",
      async () => {
        await clickMenuItem(page, menu, "Scan Folder with Feature Maps");
        const input = page.locator(".quick-input-widget input");
        await input.waitFor({ state: "visible", timeout: 60_000 });
        await input.fill("features.3");
        await page.locator(".quick-input-list .monaco-list-row", { hasText: "features.3" }).first().waitFor();
        await page.keyboard.press("Enter");
        const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "Scanning scan-me" });
        await toast.waitFor({ state: "visible", timeout: 60_000 });
        const text = await waitUntil(async () => {
          const t = await toast.innerText().catch(() => "");
          return /[1-9]\d*\/302 images · [\d.]+\/s/.test(t) && t;
        }, { timeout: 60_000, what: "progress in the notification" });
        await page.screenshot({ path: join(SHOTS, "scan-progress.png") });
        return text.replace(/\s+/g, " ").trim();
      },
    ],
    [
      "the scan view paints the top images with their overlay and lists the corrupt file",
      async () => {
        const view = await findScanView(page);
        await waitUntil(async () => (await view.locator('.scan-thumb[data-painted="true"]').count()) >= 2, { timeout: 120_000, what: "painted thumbnails" });
        const failed = await view.locator(".scan-failures li").evaluateAll((items) => items.map((li) => li.textContent ?? ""));
        expect(failed.length === 1 && failed[0].includes("broken.png"), `failures listed: ${failed.join(" | ")}`);
        await parkMouse(page);
        await page.screenshot({ path: join(SHOTS, "scan.png") });
        return `${await view.locator(".scan-thumb").count()} thumbnails`;
      },
    ],
    [
      "choosing channel 5 and clicking its top image opens that image in the panel at features.3, channel 5 zoomed",
      async () => {
        const view = await findScanView(page);
        await view.locator('.scan-channel[data-channel="5"]').click();
        const thumb = view.locator('.scan-thumb[data-painted="true"]').first();
        await thumb.waitFor({ timeout: 60_000 });
        const file = await thumb.getAttribute("data-path");
        await thumb.click();
        const title = await waitUntil(
          async () => {
            for (const { frame } of await panelFrames(page)) {
              if ((await frame.evaluate(() => document.getElementById("app")?.dataset.app).catch(() => undefined)) !== "maps") continue;
              const zoom = frame.locator(".zoom-title");
              if (await zoom.isVisible().catch(() => false)) return zoom.textContent();
            }
            return undefined;
          },
          { timeout: 60_000, what: "a panel with a channel zoomed" },
        );
        expect(title === "features.3 · channel 5", `the zoom shows "${title}"`);
        const name = file.split("/").pop();
        expect((await page.locator(".tab.active", { hasText: `Feature Maps: ${name}` }).count()) === 1, `no active tab shows ${name}`);
        return `${file}: ${title}`;
      },
    ],
    [
      "after a window reload the scan view comes back with its result, from the stored scan",
      async () => {
        await page.locator(".tab", { hasText: "Scan: scan-me" }).click();
        // The sidebar's title takes the focus from the webview, whose iframe can keep F1.
        await page.locator(".sidebar .composite.title").click();
        await runCommand(page, "Developer: Reload Window", "Reload Window");
        await waitForWorkbench(page);
        await page.locator(".tab", { hasText: "Scan: scan-me" }).click();
        const view = await findScanView(page);
        await waitUntil(async () => (await view.locator('.scan-thumb[data-painted="true"]').count()) >= 2, { timeout: 60_000, what: "painted thumbnails after the reload" });
        const title = (await view.locator(".scan-title").textContent()) ?? "";
        expect(title.startsWith("features.3 of"), `the restored view shows "${title}"`);
        expect((await page.locator(".notifications-toasts .notification-toast", { hasText: "Scanning scan-me" }).count()) === 0, "the folder was scanned again");
        return title;
      },
    ],
  ]);
}

/** The panels' webviews (not the side view's), with the image each was made for. */
async function panelFrames(page) {
  const found = [];
  for (const frame of page.frames()) {
    if (frame.isDetached() || !frame.parentFrame()) continue;
    const resource = await frame.evaluate(() => document.getElementById("app")?.dataset.resource).catch(() => undefined);
    if (resource !== undefined && resource !== "featureMaps.sideView") found.push({ frame, resource });
  }
  return found;
}

const headerFile = (frame) => frame.locator(".header-file").textContent();
/** The header's file name once it is `name` (its pictures arrive just after the grid's tiles), or what it still shows after 5 s. */
const headerShows = (frame, name) => waitUntil(async () => ((await headerFile(frame)) === name ? name : undefined), { timeout: 5000, interval: 20, what: `the header showing ${name}` }).catch(() => headerFile(frame));
const browserNow = (page) => page.evaluate(() => performance.timeOrigin + performance.now());

async function visualizeFromExplorer(page, file) {
  const menu = await openContextMenu(page, explorerItem(page, file), { expect: "Visualize Feature Maps" });
  await clickMenuItem(page, menu, "Visualize Feature Maps");
}

const workspace = tempWorkspace();
// A third image for the panel that follows.
copyFileSync(join(REPO_ROOT, "test/fixtures/images/astronaut.png"), join(workspace.dir, "astronaut.png"));
try {
  await withWorkbench(
    { workspace: workspace.dir, quiet: !process.env.FEATURE_MAPS_VERBOSE, viewport: VIEWPORT, beforeNavigate: installProbes },
    async (page) => {
      let panel;
      let layer0;
      let menu;
      await scenario("Panel from the Explorer", page, [
        [
          "the context menu of chelsea.png offers Visualize Feature Maps",
          async () => {
            menu = await openContextMenu(page, explorerItem(page, "chelsea.png"), { expect: "Visualize Feature Maps" });
          },
        ],
        [
          "clicking it opens a panel painting the 4×4 notebook grid of features.0",
          async () => {
            await clickMenuItem(page, menu, "Visualize Feature Maps");
            panel = await findWebview(page, "panel");
            layer0 = await waitForGrid(panel, "features.0");
            expect(layer0.title.includes("[1, 64, 98, 98]"), `unexpected layer title "${layer0.title}"`);
            expectRealPicture(layer0, "features.0");
            await parkMouse(page);
            await page.screenshot({ path: join(SHOTS, "panel.png") });
            return `${layer0.colours} colours`;
          },
        ],
        [
          "ArrowDown twice in the layer list selects features.2 and repaints the grid",
          async () => {
            // Clicking the selected layer focuses the list without changing anything.
            await panel.locator('.layers-list [role="option"][aria-selected="true"]').click();
            await page.keyboard.press("ArrowDown");
            await page.keyboard.press("ArrowDown");
            const g = await waitForGrid(panel, "features.2");
            expectRealPicture(g, "features.2");
            expect(g.hash !== layer0.hash, "the grid's pixels did not change");
            const selected = await panel.locator('.layers-list [aria-selected="true"] .layer-name').textContent();
            expect(selected === "features.2", `the list selects ${selected}`);
            return `${g.colours} colours`;
          },
        ],
        [
          "typing features.30 in the layer list jumps to that layer and repaints",
          async () => {
            await page.keyboard.type("features.30");
            const g = await waitForGrid(panel, "features.30");
            expect(g.title.includes("[1, 512, 12, 12]"), `unexpected layer title "${g.title}"`);
            expectRealPicture(g, "features.30", 50);
            expect(g.hash !== layer0.hash, "the grid's pixels did not change");
            await parkMouse(page);
            await page.screenshot({ path: join(SHOTS, "panel-layer30.png") });
            return `${g.colours} colours`;
          },
        ],
        [
          "the Explain toggle shows Grad-CAM over the cat, and the grid comes back",
          async () => {
            await panel.locator('button[data-view="explain"]').click();
            const canvas = panel.locator('.explain-card[data-method="gradcam"] canvas.explain-canvas:not(.waiting)');
            await canvas.waitFor({ state: "visible", timeout: 60_000 });
            const size = await canvas.evaluate((c) => [c.width, c.height]);
            expect(size[0] > 0 && size[1] > 0, `the overlay canvas is ${size.join("x")}`);
            await parkMouse(page);
            await page.screenshot({ path: join(SHOTS, "explain.png") });
            await panel.locator('button[data-view="grid"]').click();
            await waitForGrid(panel, "features.30");
            return `overlay ${size.join("x")}`;
          },
        ],
        [
          "dragging the layer list's border widens it until no op name is cut; the arrow keys move it back",
          async () => {
            const list = panel.locator(".layers");
            const cut = () => panel.locator(".layers-list .layer-op").evaluateAll((ops) => ops.filter((o) => o.scrollWidth > o.clientWidth).length);
            const before = (await list.boundingBox()).width;
            expect((await cut()) > 0, "at the default width some op names should be cut (the test would show nothing)");
            const sash = await panel.locator(".sash").boundingBox();
            const x = sash.x + sash.width / 2;
            const y = sash.y + sash.height / 2;
            await page.mouse.move(x, y);
            await page.mouse.down();
            await page.mouse.move(x + 80, y, { steps: 4 });
            await page.mouse.move(x + 160, y, { steps: 4 });
            await page.mouse.up();
            const wide = (await list.boundingBox()).width;
            expect(Math.abs(wide - (before + 160)) <= 2, `the list is ${wide} px wide after a 160 px drag from ${before} px`);
            expect((await cut()) === 0, `${await cut()} op names are still cut at ${wide} px`);
            await panel.locator(".sash").focus();
            await page.keyboard.press("ArrowLeft");
            await page.keyboard.press("ArrowLeft");
            const narrower = (await list.boundingBox()).width;
            expect(Math.abs(narrower - (wide - 32)) <= 2, `two ArrowLefts gave ${narrower} px from ${wide} px`);
            const g = await waitForGrid(panel, "features.30");
            expectRealPicture(g, "features.30 after the resize", 50);
            return `${before} → ${wide} → ${narrower} px`;
          },
        ],
      ]);

      let follower;
      let locked;
      await scenario("A panel that follows", page, [
        [
          "Explorer image → a panel; features.2 picked in it",
          async () => {
            await runCommand(page, "View: Close All Editors", "Close All Editors");
            await visualizeFromExplorer(page, "chelsea.png");
            await waitUntil(async () => (await panelFrames(page)).length === 1 || undefined, { what: "one panel" });
            follower = await findWebview(page, "panel");
            await waitForGrid(follower, "features.0");
            await follower.locator('.layers-list [role="option"][aria-selected="true"]').click();
            await page.keyboard.press("ArrowDown");
            await page.keyboard.press("ArrowDown");
            await waitForGrid(follower, "features.2");
          },
        ],
        [
          "a second image → the same panel, retitled, still on features.2",
          async () => {
            const since = await browserNow(page);
            await visualizeFromExplorer(page, "grace_hopper.jpg");
            await page.locator(".tab", { hasText: "Feature Maps: grace_hopper.jpg" }).waitFor({ timeout: 30_000 });
            const g = await waitForGrid(follower, "features.2", { since });
            expectRealPicture(g, "grace_hopper.jpg's features.2");
            expect((await headerShows(follower, "grace_hopper.jpg")) === "grace_hopper.jpg", `the header shows ${await headerFile(follower)}`);
            const panels = await panelFrames(page);
            expect(panels.length === 1, `${panels.length} panels`);
            return `${g.colours} colours`;
          },
        ],
        [
          "the panel's lock button locks it: the tab says so",
          async () => {
            await follower.locator('[data-action="lock"]').click();
            await page.locator(".tab", { hasText: "[Locked] Feature Maps: grace_hopper.jpg" }).waitFor({ timeout: 30_000 });
            locked = follower;
            expect((await follower.locator('[data-action="lock"]').getAttribute("aria-pressed")) === "true", "the button shows the lock");
          },
        ],
        [
          "a third image → a new panel; the locked one keeps grace_hopper.jpg",
          async () => {
            await visualizeFromExplorer(page, "astronaut.png");
            const found = await waitUntil(async () => (await panelFrames(page)).find((p) => p.resource.endsWith("/astronaut.png")), { what: "a panel for astronaut.png" });
            follower = found.frame;
            const g = await waitForGrid(follower, "features.0");
            expectRealPicture(g, "astronaut.png's features.0");
            expect((await panelFrames(page)).length === 2, "two panels");
            expect((await headerShows(locked, "grace_hopper.jpg")) === "grace_hopper.jpg", `the locked panel shows ${await headerFile(locked)}`);
          },
        ],
        [
          "Alt+Right in the new panel shows the next image of the folder (chelsea.png)",
          async () => {
            await follower.locator(".header-file").click();
            const since = await browserNow(page);
            await page.keyboard.press("Alt+ArrowRight");
            await page.locator(".tab", { hasText: "Feature Maps: chelsea.png" }).waitFor({ timeout: 30_000 });
            const g = await waitForGrid(follower, "features.0", { since });
            expectRealPicture(g, "chelsea.png after Alt+Right");
            expect((await headerShows(follower, "chelsea.png")) === "chelsea.png", `the header shows ${await headerFile(follower)}`);
          },
        ],
        [
          "after a window reload the panels come back with their image and lock",
          async () => {
            // Both in one group, so that only one webview is made at a time: VS Code in a browser
            // can leave one of two webviews made at the same moment blank for good.
            // Its tab, not its webview, takes the keys: F1 must reach the workbench.
            // The sidebar's title then takes the focus from the webview, whose iframe can keep F1.
            const workbenchKeys = async () => {
              await page.locator(".tab", { hasText: "Feature Maps: chelsea.png" }).click();
              await page.locator(".sidebar .composite.title").click();
            };
            await workbenchKeys();
            await runCommand(page, "View: Move Editor into Previous Group", "Move Editor into Previous Group");
            await workbenchKeys();
            await runCommand(page, "Developer: Reload Window", "Reload Window");
            await waitForWorkbench(page);
            // A restored panel's webview is made when its tab shows: show each in turn.
            await page.locator(".tab", { hasText: "[Locked] Feature Maps: grace_hopper.jpg" }).click();
            const lockedBack = await waitUntil(async () => (await panelFrames(page)).find((p) => p.resource.endsWith("/grace_hopper.jpg")), { what: "the locked panel" });
            await waitForGrid(lockedBack.frame, "features.2");
            expect((await lockedBack.frame.locator('[data-action="lock"]').getAttribute("aria-pressed")) === "true", "the restored panel is not locked");
            await page.locator(".tab", { hasText: "Feature Maps: chelsea.png" }).click();
            const followerBack = await waitUntil(async () => (await panelFrames(page)).find((p) => p.resource.endsWith("/chelsea.png")), { what: "the following panel" });
            follower = followerBack.frame;
            await waitForGrid(follower, "features.0");
            expect((await headerShows(follower, "chelsea.png")) === "chelsea.png", `the restored follower shows ${await headerFile(follower)}`);
          },
        ],
      ]);

      let side;
      await scenario("Side view following a model config", page, [
        [
          "with xai.featuremaps.json open, the Feature Maps view paints the config's first pinned layer",
          async () => {
            await runCommand(page, "View: Close All Editors", "Close All Editors");
            await explorerItem(page, "xai.featuremaps.json").dblclick();
            await page.locator(".monaco-editor .view-lines").first().waitFor();
            await showSideView(page);
            // Room for the view: a wider sidebar, and the file list folded.
            await resizeSidebar(page, 700);
            await page.locator(".pane-header", { hasText: workspace.name }).click();
            side = await findWebview(page, "side");
            const g = await waitForGrid(side, "features.0");
            expect(g.title.includes("[1, 64, 98, 98]"), `unexpected layer title "${g.title}"`);
            expectRealPicture(g, "side view features.0");
            return `${g.colours} colours`;
          },
        ],
        [
          "editing the first conv to 32 channels in the editor repaints the view with the new model",
          async () => {
            await page.locator(".monaco-editor .view-lines").first().click();
            await page.keyboard.press("Control+Home");
            // Select the first conv's 64, then add the next two 64s (its BatchNorm's features and
            // the next conv's in) as extra cursors with Ctrl+D, and type over all three at once.
            await findInEditor(page, '"out": 64');
            await page.keyboard.press("ArrowRight");
            await page.keyboard.press("Shift+ArrowLeft");
            await page.keyboard.press("Shift+ArrowLeft");
            await page.keyboard.press("Control+D");
            await page.keyboard.press("Control+D");
            await page.keyboard.type("32");
            const typed = await lastKeyDown(page);
            await page.keyboard.press("Escape");
            const lines = await page.locator(".monaco-editor .view-lines").first().innerText();
            for (const edited of ['"in": 3, "out": 32', '"features": 32}', '"in": 32, "out": 64']) {
              expect(lines.replace(/\u00a0/g, " ").includes(edited), `the editor does not show ${edited}`);
            }
            const g = await waitForGrid(side, "features.0", { since: typed });
            expect(g.title.includes("[1, 32, 98, 98]"), `unexpected layer title "${g.title}"`);
            expectRealPicture(g, "side view after the edit");
            // The result came without the image (the same one): the header keeps showing it.
            const header = await headerPictures(side);
            expect(header.length === 2 && header.every((f) => f > 0.9), `the header's pictures after the edit: ${header.join(", ")}`);
            await parkMouse(page);
            await page.screenshot({ path: join(SHOTS, "side-view-editing.png") });
            return `${g.colours} colours`;
          },
        ],
      ]);

      await folderScanScenario(page, workspace);
    },
  );
} catch (e) {
  // The workbench itself did not come up: count it, so the summary never reads "0 failed".
  failed++;
  console.log(`✗ the workbench failed: ${e.stack ?? e}`);
} finally {
  workspace.remove();
}

console.log(`\nscreenshots in ${SHOTS}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
