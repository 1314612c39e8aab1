import assert from "node:assert/strict";
import { FeatureMapsError } from "../../src/shared/errors";

/** For assert.rejects: a FeatureMapsError with this code and, when given, a message matching. */
export function hasCode(code: string, message?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof FeatureMapsError, `a FeatureMapsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  };
}
