import assert from "node:assert/strict";
import { readFileSync } from "fs";
import * as path from "path";
import { describe, it } from "node:test";
import { DEFAULTS, PIXEL_ORDERS, PROVIDER_CHOICES } from "../../../src/shared/choices";
import { COLORMAP_NAMES } from "../../../src/shared/colormaps";
import { NORMALIZE_MODES } from "../../../src/shared/normalize";
import { ROOT } from "../../support/paths";

// package.json and the config schema are JSON that VS Code reads as they are, so they cannot
// import the lists: this checks they say the same.
const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  contributes: { configuration: { properties: Record<string, { enum?: string[]; default?: unknown }> } };
};
const settings = manifest.contributes.configuration.properties;
const schema = JSON.parse(readFileSync(path.join(ROOT, "schemas", "featuremaps.schema.json"), "utf8")) as {
  properties: Record<string, { properties: Record<string, { enum?: string[] }> }>;
};

describe("allowed values written in JSON", () => {
  it("settings offer the lists' values and defaults", () => {
    assert.deepEqual(settings["featureMaps.colormap"].enum, [...COLORMAP_NAMES]);
    assert.equal(settings["featureMaps.colormap"].default, DEFAULTS.colormap);
    assert.deepEqual(settings["featureMaps.normalize"].enum, [...NORMALIZE_MODES]);
    assert.equal(settings["featureMaps.normalize"].default, DEFAULTS.normalize);
    assert.deepEqual(settings["featureMaps.executionProvider"].enum, [...PROVIDER_CHOICES]);
    assert.equal(settings["featureMaps.executionProvider"].default, DEFAULTS.provider);
    assert.deepEqual(settings["featureMaps.channelOrder"].enum, ["model", ...PIXEL_ORDERS]);
    assert.equal(settings["featureMaps.maxMegapixels"].default, DEFAULTS.maxMegapixels);
  });

  it("the model config schema takes the same values", () => {
    assert.deepEqual(schema.properties.display.properties.colormap.enum, [...COLORMAP_NAMES]);
    assert.deepEqual(schema.properties.display.properties.normalize.enum, [...NORMALIZE_MODES]);
    assert.deepEqual(schema.properties.input.properties.channelOrder.enum, [...PIXEL_ORDERS]);
  });
});
