// Proves the suite runs inside a real VS Code, with the webview messaging the
// extension depends on: feature maps travel host -> webview as Float32Array.
import * as assert from "assert";
import * as vscode from "vscode";

interface Reply {
  kind: "ready" | "echo";
  isFloat32?: boolean;
  values?: unknown;
}

// The webview reports whether the data arrived as a typed array (not a plain
// object or number[]) and echoes it back, so both directions are checked.
const WEBVIEW_HTML = `<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-smoke';">
</head><body>
<script nonce="smoke">
  const vscode = acquireVsCodeApi();
  window.addEventListener('message', (event) => {
    const values = event.data.values;
    vscode.postMessage({ kind: 'echo', isFloat32: values instanceof Float32Array, values });
  });
  vscode.postMessage({ kind: 'ready' });
</script>
</body></html>`;

function nextMessage(panel: vscode.WebviewPanel, kind: Reply["kind"], ms: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no '${kind}' message from the webview within ${ms} ms`));
    }, ms);
    const sub = panel.webview.onDidReceiveMessage((msg: Reply) => {
      if (msg.kind !== kind) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(msg);
    });
  });
}

describe("smoke: real VS Code", () => {
  it("runs in VS Code 1.x", () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    console.log(`    VS Code ${vscode.version}, ${vscode.env.appName}, uiKind ${vscode.UIKind[vscode.env.uiKind]}`);
  });

  it("round-trips a Float32Array through a webview", async () => {
    const panel = vscode.window.createWebviewPanel("featureMaps.smoke", "Smoke", vscode.ViewColumn.One, {
      enableScripts: true,
    });
    try {
      // Listen before setting html: the script may answer immediately.
      const ready = nextMessage(panel, "ready", 30_000);
      panel.webview.html = WEBVIEW_HTML;
      await ready;

      // Edge values float32 must carry bit-exactly (max, denormal, -0 and
      // non-round decimals), plus enough data to cross the IPC in chunks.
      const sent = new Float32Array(65_536).map((_, i) => Math.sin(i) * 1000);
      sent.set([0, -0, 1.5, 0.1, 3.4028234663852886e38, 1e-45, -123.456]);
      const echoed = nextMessage(panel, "echo", 30_000);
      assert.ok(await panel.webview.postMessage({ values: sent }), "postMessage was not delivered");
      const reply = await echoed;

      assert.strictEqual(reply.isFloat32, true, "the webview did not receive a Float32Array");
      assert.ok(reply.values instanceof Float32Array, "the host did not get a Float32Array back");
      const back = reply.values as Float32Array;
      assert.strictEqual(back.length, sent.length);
      // Compare bits so -0 vs 0 and NaN payloads would show up too.
      assert.deepStrictEqual(
        new Uint32Array(back.buffer, back.byteOffset, back.length),
        new Uint32Array(sent.buffer, sent.byteOffset, sent.length),
      );
    } finally {
      panel.dispose();
    }
  });
});
