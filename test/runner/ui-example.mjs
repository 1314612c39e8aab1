#!/usr/bin/env node
// Example UI script: opens a folder in VS Code (with the extension under
// development), right-clicks a file in the Explorer and saves a screenshot
// showing its context menu.
//
//   node test/runner/ui-example.mjs --workspace DIR [--file NAME] [--out shot.png] [--expect TEXT]
//
// NAME is a file at the top of DIR (default: the first one listed); TEXT a menu
// item to wait for, e.g. "Visualize Feature Maps" (the extension's entry).
// FEATURE_MAPS_VERBOSE=1 forwards the server and browser logs.
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { explorerItem, openContextMenu, withWorkbench } from "./ui.mjs";

const { values: opts } = parseArgs({
  options: {
    workspace: { type: "string" },
    file: { type: "string" },
    out: { type: "string", default: "explorer-context-menu.png" },
    expect: { type: "string" },
  },
});
if (!opts.workspace) {
  console.error("usage: ui-example.mjs --workspace DIR [--file NAME] [--out shot.png] [--expect TEXT]");
  process.exit(2);
}
const file =
  opts.file ??
  readdirSync(opts.workspace, { withFileTypes: true }).find((e) => e.isFile() && !e.name.startsWith("."))?.name;
if (!file) throw new Error(`no file in ${opts.workspace}`);

await withWorkbench({ workspace: opts.workspace, quiet: !process.env.FEATURE_MAPS_VERBOSE }, async (page) => {
  await openContextMenu(page, explorerItem(page, file), { expect: opts.expect });
  await page.screenshot({ path: resolve(opts.out) });
  console.log(`[ui-example] context menu of ${file}: ${resolve(opts.out)}`);
});
