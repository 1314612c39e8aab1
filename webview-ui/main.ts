import "./common/elements";
import type { ToWebview } from "../src/shared/protocol";
import { App } from "./app";
import { connectHost } from "./host";
import { applyLayout } from "./layout";

const host = connectHost();
const root = document.getElementById("app") as HTMLElement;
applyLayout(root);
const app = new App(root, host);
window.addEventListener("message", (e: MessageEvent<ToWebview>) => {
  if (typeof e.data === "object" && e.data !== null && typeof e.data.type === "string") app.receive(e.data);
});
// Only now: the host answers `ready` with the current result, and the listener must be in place.
host.post({ type: "ready" });
