import "./common/elements";
import { App } from "./app";
import { connectHost } from "./host";
import { applyLayout } from "./layout";

const host = connectHost();
const root = document.getElementById("app") as HTMLElement;
applyLayout(root);
const app = new App(root, host);
window.addEventListener("message", (e: MessageEvent<unknown>) => {
  if (typeof e.data === "object" && e.data !== null) app.receive(e.data);
});
// Only now: the host answers `ready` with the current result, and the listener must be in place.
host.post({ type: "ready" });
