#!/usr/bin/env node
// UI check of GPU acceleration as a user with an NVIDIA GPU but no CUDA provider meets it. This
// machine has no GPU, so a stand-in `nvidia-smi` that answers is put first on the PATH of the
// VS Code server (the extension host and its inference process inherit it): GPU detection then
// finds a GPU, and the provider, never installed, fails to load.
//
//   npm run build && bash scripts/install-vscode-server.sh
//   node test/ui/gpu.ui.mjs                 # the last line is "N passed, N failed"
//
// Checks: the panel's provider badge warns and offers "Install GPU acceleration"; the status bar
// warns; the one-time notification offers the install; clicking the badge's link runs the install
// command (here it stops at once: the package's checksum is not pinned yet, docs/GPU.md).
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

const workspace = tempWorkspace();
try {
  await withWorkbench(
    {
      workspace: workspace.dir,
      quiet: !process.env.FEATURE_MAPS_VERBOSE,
      viewport: VIEWPORT,
      beforeNavigate: installProbes,
      env: { PATH: `${fakeBin}:${process.env.PATH}` },
    },
    async (page) => {
      console.log("\nGPU present, CUDA provider missing");
      let panel;
      const opened = await check("a panel on chelsea.png runs on the CPU", async () => {
        const menu = await openContextMenu(page, explorerItem(page, "chelsea.png"), { expect: "Visualize Feature Maps" });
        await clickMenuItem(page, menu, "Visualize Feature Maps");
        panel = await findWebview(page, "panel");
        const badge = await waitUntil(async () => (await panel.locator(".provider vscode-badge").count()) > 0 && panel.locator(".provider vscode-badge").first().textContent(), {
          timeout: 120_000,
          what: "the provider badge",
        });
        if (badge.trim() !== "CPU") throw new Error(`the badge says "${badge}"`);
      });
      if (!opened) return;
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
        const item = page.locator(".statusbar-item").filter({ hasText: "Feature Maps: CPU" });
        await item.first().waitFor({ timeout: 15_000 });
        if ((await item.locator(".codicon-warning").count()) === 0) throw new Error("no warning icon in the status bar item");
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
    },
  );
} finally {
  workspace.remove();
  rmSync(fakeBin, { recursive: true, force: true });
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
