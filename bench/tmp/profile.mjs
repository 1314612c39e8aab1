import { writeFileSync } from "node:fs";
import { explorerItem, openContextMenu, withWorkbench } from "../../test/runner/ui.mjs";
import { VIEWPORT, clickMenuItem, findWebview, installProbes, lastMouseUp, paints, received, runCommand, sleep, tempWorkspace, waitForPaint } from "../../test/ui/lib.mjs";
const ws = tempWorkspace();
await withWorkbench({ workspace: ws.dir, quiet: true, viewport: VIEWPORT, beforeNavigate: installProbes }, async (page) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  for (let i = 0; i < 2; i++) {
    const menu = await openContextMenu(page, explorerItem(page, "chelsea.png"), { expect: "Visualize Feature Maps" });
    if (i === 1) await cdp.send("Profiler.start");
    await clickMenuItem(page, menu, "Visualize Feature Maps");
    const clicked = await lastMouseUp(page);
    const inner = await findWebview(page, "panel");
    const paint = await waitForPaint(inner, clicked, (p) => p.tiles === 16);
    if (i === 1) {
      const { profile } = await cdp.send("Profiler.stop");
      writeFileSync("/tmp/fm/webview.cpuprofile", JSON.stringify(profile));
      const loaded = (await received(inner, "loaded")).find((p) => p.t > clicked);
      const request = (await paints(inner, "getLayer")).find((p) => p.t > clicked);
      console.log(JSON.stringify({ loaded: loaded.t - clicked, request: request.t - clicked, paint: paint.t - clicked, startTime: profile.startTime }));
      writeFileSync("/tmp/fm/marks.json", JSON.stringify({ clicked, loaded: loaded.t, request: request.t, paint: paint.t }));
    }
    await runCommand(page, "View: Close All Editors", "Close All Editors");
    await sleep(1000);
  }
});
ws.remove();
