#!/usr/bin/env node
// `npm start`: a real VS Code with Feature Maps on a demo workspace (the sample images and the
// example model config) and a panel already open on the cat. Desktop `code` when installed;
// otherwise the VS Code server from scripts/install-vscode-server.sh, on a printed localhost URL.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
if (!existsSync(join(root, "dist", "extension.js"))) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });

// A copy, so what the user changes in the demo stays out of the repository.
const workspace = mkdtempSync(join(tmpdir(), "feature-maps-demo-"));
cpSync(join(root, "test", "fixtures", "workspace"), workspace, { recursive: true });
const image = join(workspace, "chelsea.png");
// Read by the extension on start: opens the panel on this image.
const env = { ...process.env, FEATURE_MAPS_OPEN: image };

if (spawnSync("code", ["--version"], { stdio: "ignore" }).status === 0 && !process.argv.includes("--server")) {
  console.log(`Opening VS Code on ${workspace}`);
  spawn("code", ["--new-window", `--extensionDevelopmentPath=${root}`, workspace], { env, stdio: "inherit", detached: true }).unref();
} else {
  execFileSync("bash", [join(root, "scripts", "install-vscode-server.sh")], { stdio: ["ignore", "ignore", "inherit"] });
  const { startServer, workbenchUrl } = await import("../test/runner/workbench.mjs");
  const data = mkdtempSync(join(tmpdir(), "feature-maps-server-"));
  const extensionsDir = join(data, "extensions");
  mkdirSync(extensionsDir);
  const server = await startServer({ tmpRoot: data, extensionsDir, env, quiet: !process.env.FEATURE_MAPS_VERBOSE });
  console.log(`\nFeature Maps demo: open this URL in a browser (Ctrl-C stops the server):\n\n  ${workbenchUrl(server.origin, { folder: workspace, extensionDevelopmentPath: root })}\n`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await server.exited;
}
