import "./elements";
import { App } from "./app";
import { connectHost } from "./host";

const host = connectHost();
const app = new App(document.getElementById("app") as HTMLElement, host);
window.addEventListener("message", (e: MessageEvent<unknown>) => {
  if (typeof e.data === "object" && e.data !== null) app.receive(e.data);
});
// Only now: the host answers `ready` with the current result, and the listener must be in place.
host.post({ type: "ready" });
