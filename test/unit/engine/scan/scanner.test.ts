
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { FeatureMapsEngine, type ScanRequest } from "../../../../src/engine/engine";

import { generateScanFolder } from "../../../support/scanFolder";

const MODEL = { kind: "builtin", weights: { seed: 0 } } as const;

let dir: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-scan-"));
  await generateScanFolder(dir, 40);
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe("folder scan", () => {
  it("smoke", async () => {
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    const t0 = Date.now();
    const r = await engine.scan({ folder: dir, model: MODEL, layer: "features.3", top: 3, maxImages: 1000 } satisfies ScanRequest);
    console.log(Date.now() - t0, r.scanned, r.shape, r.channels[0]);
    engine.dispose();
  });
});
