import * as vscode from "vscode";
import { FeatureMapsError } from "../shared/errors";

/** Shows the cold start as a cancellable notification only when it is slow enough to notice. */
const PROGRESS_DELAY_MS = 300;

/**
 * `work`, shown as a cancellable "loading" notification once it has taken long enough to notice.
 * Cancel rejects with CANCELLED; the caller decides what happens to the work itself.
 */
export async function withSlowProgress<T>(work: Promise<T>, title: string): Promise<T> {
  const quick = await Promise.race([work.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), PROGRESS_DELAY_MS))]);
  if (quick) return work;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Feature Maps: loading ${title}`, cancellable: true },
    (_progress, token) =>
      new Promise<T>((resolve, reject) => {
        token.onCancellationRequested(() => reject(new FeatureMapsError("CANCELLED", "Cancelled while loading the model.")));
        work.then(resolve, reject);
      }),
  );
}
