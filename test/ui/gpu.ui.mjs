#!/usr/bin/env node
// UI check of GPU acceleration as users meet it. First as on this machine, without a GPU: the
// panel's badge and the status bar say CPU without a warning. Then as a user with an NVIDIA GPU
// but no CUDA provider: a stand-in `nvidia-smi` that answers is put first on the PATH of the
// VS Code server (the extension host and its inference process inherit it), so GPU detection
// finds a GPU, and the provider, never installed, fails to load.
//
//   npm run build && bash scripts/install-vscode-server.sh
//   node test/ui/gpu.ui.mjs                 # the last line is "N passed, N failed"
//
// With a GPU: the panel's provider badge warns and offers "Install GPU acceleration"; the status
// bar warns; the one-time notification offers the install; clicking the badge's link runs the
// install command (here it stops at once: the package's checksum is not pinned yet, docs/GPU.md).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { explorerItem, openContextMenu, withWorkbench } from "../runner/ui.mjs";
import { VIEWPORT, clickMenuItem, findWebview, installProbes, tempWorkspace, waitUntil } from "./lib.mjs";

const fakeBin = mkdtempSync(join(tmpdir(), "fm-fake-gpu-"));
writeFileSync(join(fakeBin, "nvidia-smi"), "#!/bin/sh\necho 'GPU 0: Stand-in (UUID: GPU-0)'\n");
chmodSync(join(fakeBin, "nvidia-smi"), 0o755);

let passed = 0;
let failed = 0;
async function check(title, fn) {
  const t0 = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`  ✓ ${title} (${note ? `${note}; ` : ""}${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    failed++;
    console.log(`  ✗ ${title}\n    ${String(e.stack ?? e).split("\n").join("\n    ")}`);
    return false;
  }
}

const notification = (page, text) => page.locator(".notifications-toasts .notification-toast").filter({ hasText: text });

/** Opens a panel on chelsea.png and waits for its provider badge; the panel's frame, or undefined. */
async function openPanel(page) {
  let panel;
  const opened = await check("a panel on chelsea.png runs on the CPU", async () => {
    const menu = await openContextMenu(page, explorerItem(page, "chelsea.png"), { expect: "Visualize Feature Maps" });
    await clickMenuItem(page, menu, "Visualize Feature Maps");
    // The workspace holds a model config, so the command may ask which model: the built-in one, listed first.
    const question = page.locator(".quick-input-widget").filter({ hasText: "which model?" });
    if (await question.waitFor({ timeout: 5000 }).then(() => true, () => false)) await page.keyboard.press("Enter");
    panel = await findWebview(page, "panel");
    const badge = await waitUntil(async () => (await panel.locator(".provider vscode-badge").count()) > 0 && panel.locator(".provider vscode-badge").first().textContent(), {
      timeout: 120_000,
      what: "the provider badge",
    });
    if (badge.trim() !== "CPU") throw new Error(`the badge says "${badge}"`);
  });
  return opened ? panel : undefined;
}

const statusItem = (page) => page.locator(".statusbar-item").filter({ hasText: "Feature Maps: CPU" });

async function workbench(env, fn) {
  const workspace = tempWorkspace();
  try {
    await withWorkbench({ workspace: workspace.dir, quiet: !process.env.FEATURE_MAPS_VERBOSE, viewport: VIEWPORT, beforeNavigate: installProbes, env }, fn);
  } finally {
    workspace.remove();
  }
}

try {
  await workbench({}, async (page) => {
    console.log("\nNo GPU (this machine), executionProvider auto");
    const panel = await openPanel(page);
    if (!panel) return;
    await check("the badge shows CPU without a warning, the reason in its tooltip", async () => {
      if ((await panel.locator(".provider-fallback, .provider-install, .provider-reason").count()) !== 0) throw new Error("the badge warns");
      const title = await panel.locator(".provider").first().getAttribute("title");
      if (!/^No NVIDIA GPU was found/.test(title ?? "")) throw new Error(`tooltip "${title}"`);
      return title;
    });
    await check("the status bar says CPU without a warning", async () => {
      await statusItem(page).first().waitFor({ timeout: 15_000 });
      if ((await statusItem(page).locator(".codicon-warning").count()) !== 0) throw new Error("a warning icon in the status bar item");
    });
  });
  await workbench({ PATH: `${fakeBin}:${process.env.PATH}` }, async (page) => {
    console.log("\nGPU present (a stand-in nvidia-smi), CUDA provider missing");
    const panel = await openPanel(page);
    if (!panel) return;
    await check("the badge warns, says why, and offers the install", async () => {
      const reason = (await panel.locator(".provider-fallback .provider-reason").textContent()) ?? "";
      if (!/its provider \(libonnxruntime_providers_cuda\.so\) is not installed/.test(reason)) throw new Error(`reason: "${reason}"`);
      if ((await panel.locator(".provider-fallback .codicon-warning").count()) !== 1) throw new Error("no warning icon");
      const link = panel.locator(".provider-install");
      const [text, href] = [await link.textContent(), await link.getAttribute("href")];
      if (text !== "Install GPU acceleration" || href !== "command:featureMaps.installCuda") throw new Error(`link "${text}" -> ${href}`);
      return reason;
    });
    await check("the status bar warns that it runs on the CPU", async () => {
      await statusItem(page).first().waitFor({ timeout: 15_000 });
      if ((await statusItem(page).locator(".codicon-warning").count()) === 0) throw new Error("no warning icon in the status bar item");
    });
    await check("a notification offers the install once", async () => {
      await notification(page, "this machine has an NVIDIA GPU").first().waitFor({ timeout: 15_000 });
      if ((await notification(page, "Install GPU Acceleration").count()) === 0) throw new Error("no Install button");
    });
    await check("clicking the badge's link runs Install GPU Acceleration (CUDA)", async () => {
      await panel.locator(".provider-install").click();
      const error = notification(page, "no checksum pinned");
      await error.first().waitFor({ timeout: 30_000 });
      return (await error.first().textContent())?.slice(0, 90);
    });
  });
} finally {
  rmSync(fakeBin, { recursive: true, force: true });
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
