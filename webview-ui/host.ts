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
  /** Fields kept in the saved state beside the view's own, for the host's serializer (a panel's image and lock). */
  keep(fields: Readonly<Record<string, unknown>>): void;
}

export function connectHost(): Host {
  const api = acquireVsCodeApi();
  // What this view shows, from the host's HTML: kept in the state so a reloaded window can
  // bring the panel back for the same image.
  let kept: Readonly<Record<string, unknown>> = { resource: document.getElementById("app")?.dataset.resource };
  const savedState = api.getState();
  let last: object = typeof savedState === "object" && savedState !== null ? savedState : {};
  return {
    post: (message) => api.postMessage(message),
    savedState,
    saveState: (state) => {
      last = state;
      api.setState({ ...state, ...kept });
    },
    keep: (fields) => {
      kept = { ...kept, ...fields };
      api.setState({ ...last, ...kept });
    },
  };
}
