#!/usr/bin/env node
// Records the size and sha256 of the CUDA provider package in src/engine/gpu/cudaProvider.json,
// from one download of the URL pinned there (or a copy of that package given with --from). The
// extension refuses to download a package whose checksum is not pinned, so a release needs this
// run once, on a machine that reaches NuGet, whenever onnxruntime-node's version changes.
//   node scripts/pin-cuda-provider.mjs                      every platform in the pin file
//   node scripts/pin-cuda-provider.mjs --from FILE.nupkg    the package downloaded by other means
//   node scripts/pin-cuda-provider.mjs --pin OTHER.json     another pin file (a dry run)
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";

const root = resolve(import.meta.dirname, "..");
const yauzl = createRequire(import.meta.url)("yauzl");
const { values } = parseArgs({ options: { from: { type: "string" }, pin: { type: "string" } } });
const pinFile = resolve(values.pin ?? join(root, "src", "engine", "gpu", "cudaProvider.json"));
const pin = JSON.parse(readFileSync(pinFile, "utf8"));
const ortVersion = JSON.parse(readFileSync(join(root, "node_modules", "onnxruntime-node", "package.json"), "utf8")).version;
if (pin.onnxruntime !== ortVersion) {
  console.error(`${pinFile} pins onnxruntime ${pin.onnxruntime}, but node_modules has onnxruntime-node ${ortVersion}: update its version and URLs first`);
  process.exit(1);
}

function download(url, file, redirects = 0) {
  return new Promise((done, fail) => {
    get(url, (res) => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && redirects < 5) {
        res.resume();
        return done(download(new URL(res.headers.location, url).toString(), file, redirects + 1));
      }
      if (res.statusCode !== 200) return fail(new Error(`${url}: HTTP ${res.statusCode}`));
      pipeline(res, createWriteStream(file)).then(done, fail);
    }).on("error", fail);
  });
}

function entryNames(file) {
  return new Promise((done, fail) =>
    yauzl.open(file, { lazyEntries: true }, (e, zip) => {
      if (e) return fail(e);
      const names = new Set();
      zip.on("entry", (entry) => (names.add(entry.fileName), zip.readEntry()));
      zip.on("end", () => done(names));
      zip.on("error", fail);
      zip.readEntry();
    }),
  );
}

const tmp = mkdtempSync(join(tmpdir(), "fm-pin-"));
try {
  for (const [platform, pkg] of Object.entries(pin.platforms)) {
    let file = values.from && resolve(values.from);
    if (!file) {
      file = join(tmp, `${platform}.nupkg`);
      console.log(`downloading ${pkg.url}`);
      await download(pkg.url, file);
    }
    const names = await entryNames(file);
    const missing = Object.values(pkg.files).filter((p) => !names.has(p));
    if (missing.length > 0) throw new Error(`${file} lacks ${missing.join(", ")}: not the ${pkg.package} package`);
    const hash = createHash("sha256");
    await pipeline(createReadStream(file), hash);
    pkg.size = statSync(file).size;
    pkg.sha256 = hash.digest("hex");
    console.log(`${platform}: ${pkg.package} ${pin.onnxruntime}, ${pkg.size} bytes, sha256 ${pkg.sha256}`);
  }
  writeFileSync(pinFile, `${JSON.stringify(pin, null, 2)}\n`);
  console.log(`wrote ${pinFile}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
