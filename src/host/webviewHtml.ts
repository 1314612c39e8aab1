import { randomBytes } from "crypto";
import * as vscode from "vscode";
import type { WebviewApp } from "../shared/choices";

/** The one folder a Feature Maps webview may load from: our bundles (script, stylesheet, icons). */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, "dist")];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  // The provider badge's link runs the install command, and no other command.
  return { enableScripts: true, localResourceRoots: webviewRoots(extensionUri), enableCommandUris: ["featureMaps.installCuda"] };
}

function escapeAttribute(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `resource` is what the view shows; the webview keeps it in its state so a reload can restore it. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, resource: string, app: WebviewApp = "maps"): string {
  const nonce = randomBytes(16).toString("base64");
  const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    // Pictures are painted on canvases; the UI elements' constructed stylesheets need no CSP source.
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri("dist", "webview.css")}">
<link id="vscode-codicon-stylesheet" rel="stylesheet" href="${uri("dist", "codicons", "codicon.css")}">
<title>${escapeAttribute(title)}</title>
</head>
<body>
<div id="app" data-app="${app}" data-resource="${escapeAttribute(resource)}"></div>
<script nonce="${nonce}" src="${uri("dist", "webview.js")}"></script>
</body>
</html>`;
}
