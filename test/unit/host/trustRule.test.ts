import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configMayRun } from "../../../src/host/trustRule";

describe("model configs in Restricted Mode", () => {
  const extension = "/home/u/.vscode/extensions/feature-maps-0.1.0";
  it("run anywhere once the workspace is trusted", () => {
    assert.equal(configMayRun("/work/project/a.featuremaps.json", true, extension), true);
  });
  it("wait for trust, but for the configs the extension ships", () => {
    assert.equal(configMayRun("/work/project/a.featuremaps.json", false, extension), false);
    assert.equal(configMayRun(`${extension}/examples/xai.featuremaps.json`, false, extension), true);
    assert.equal(configMayRun(`${extension}/../evil/x.featuremaps.json`, false, extension), false);
    assert.equal(configMayRun(`${extension}-evil/x.featuremaps.json`, false, extension), false);
  });
});
