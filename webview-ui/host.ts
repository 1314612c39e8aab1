import type { ToHost } from "../src/shared/protocol";
import type { RpcMessage } from "../src/shared/rpc";

// VS Code injects acquireVsCodeApi into the webview; it may be called only once per page load.
declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

export interface Host {
  post(message: ToHost | RpcMessage): void;
  /** Whatever the previous incarnation of this panel saved, unchecked: it may come from an older version. */
  readonly savedState: unknown;
  saveState(state: object): void;
}

export function connectHost(): Host {
  const api = acquireVsCodeApi();
  // What this view shows, from the host's HTML: kept in the state so a reloaded window can
  // bring the panel back for the same image.
  const resource = document.getElementById("app")?.dataset.resource;
  return {
    post: (message) => api.postMessage(message),
    savedState: api.getState(),
    saveState: (state) => api.setState({ ...state, resource }),
  };
}
