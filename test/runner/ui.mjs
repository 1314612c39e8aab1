// UI mode: a real VS Code workbench with the extension under development
// loaded (no test suite), handed to a script as a Playwright Page so it can
// click through the UI and take screenshots like a person would.
//
//   import { withWorkbench } from './test/runner/ui.mjs';
//   await withWorkbench({ workspace: 'some/folder' }, async (page) => { ... });
import { REPO_ROOT, openWorkbench, signalExitCode } from "./workbench.mjs";

/**
 * Opens `options.workspace` in VS Code with `options.extensionDevelopmentPath`
 * (default: the repo root; pass undefined for none) and calls fn(page, workbench)
 * once the Explorer shows the folder. Everything is stopped and deleted
 * afterwards, also when fn throws or the process gets SIGINT/SIGTERM.
 * Other options: see openWorkbench in workbench.mjs.
 */
export async function withWorkbench(options, fn) {
  const workbench = await openWorkbench({ extensionDevelopmentPath: REPO_ROOT, ...options });
  const onSignal = (sig) => workbench.close().finally(() => process.exit(signalExitCode(sig)));
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
  signals.forEach((sig) => process.on(sig, onSignal));
  try {
    await waitForWorkbench(workbench.page);
    return await fn(workbench.page, workbench);
  } finally {
    signals.forEach((sig) => process.off(sig, onSignal));
    await workbench.close();
  }
}

/**
 * Resolves once the workbench is usable: the Explorer lists the opened folder,
 * which needs the connection to the server and its file system to be up.
 */
export async function waitForWorkbench(page, timeout = 120_000) {
  await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ timeout });
}

/** The Explorer row of a file or folder shown at the top level of the workspace. */
export function explorerItem(page, name) {
  return page.locator(".explorer-folders-view .monaco-list-row").filter({
    has: page.locator(".label-name", { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }),
  });
}

/**
 * Right-clicks `target` and resolves with the context menu once it shows
 * `expect` (a menu item's text), if given. Menu entries that extensions
 * contribute appear only once the extension host has registered them, some
 * seconds after the Explorer itself, so an incomplete menu is closed and the
 * click repeated until `timeout` ms.
 */
export async function openContextMenu(page, target, { expect, timeout = 60_000 } = {}) {
  // The workbench draws its own menu (in a shadow root, which Playwright's CSS
  // locators see through).
  const menu = page.locator(".context-view .monaco-menu");
  for (const t0 = Date.now(); ; ) {
    await target.click({ button: "right" });
    await menu.locator(".action-item").first().waitFor();
    if (!expect || (await menu.getByText(expect, { exact: true }).count()) > 0) return menu;
    if (Date.now() - t0 > timeout) throw new Error(`the context menu never showed "${expect}"`);
    await page.keyboard.press("Escape");
    await page.waitForTimeout(1000);
  }
}
