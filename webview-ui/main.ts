import "./common/elements";
import { App } from "./app";
import { CompareApp } from "./compare/compareApp";
import { connectHost, type Host } from "./host";
import { applyLayout } from "./layout";
import { oneOf, WEBVIEW_APPS, type WebviewApp } from "../src/shared/choices";

interface WebviewAppInstance {
  receive(message: unknown): void;
}

const APPS: Record<WebviewApp, (root: HTMLElement, host: Host) => WebviewAppInstance> = {
  maps: (root, host) => {
    applyLayout(root);
    return new App(root, host);
  },
  compare: (root, host) => new CompareApp(root, host),
};

const host = connectHost();
const root = document.getElementById("app") as HTMLElement;
const name = root.dataset.app;
const app = APPS[oneOf(WEBVIEW_APPS, name) ? name : "maps"](root, host);
window.addEventListener("message", (e: MessageEvent<unknown>) => {
  if (typeof e.data === "object" && e.data !== null) app.receive(e.data);
});
// Only now: the host answers `ready` with the current result, and the listener must be in place.
host.post({ type: "ready" });
