import { checkpoint } from "../../shared/errors";

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Before work that may hold the thread (an onnxruntime run): lets the event loop go once round
 * its poll phase, where messages already waiting are read, so a cancel sent meanwhile is seen
 * before the work starts. One immediate is not enough: queued beside another caller's, it would
 * run in the same check phase, after that caller's run and before any poll.
 */
export async function safePoint(signal: AbortSignal | undefined): Promise<void> {
  await nextTurn();
  await nextTurn();
  checkpoint(signal);
}
