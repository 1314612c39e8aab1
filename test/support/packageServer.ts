import { createHash } from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";
import type { CudaPin } from "../../src/engine/gpu/pin";
import { storedZip } from "./pickleBytes";

// A stand-in for NuGet on 127.0.0.1: serves a provider package built here, with HTTP Range like
// the real feed, and the ways a download goes wrong (a 404, a body cut short, a stall).

export const PROVIDER_PATHS = {
  "libonnxruntime_providers_shared.so": "runtimes/linux-x64/native/libonnxruntime_providers_shared.so",
  "libonnxruntime_providers_cuda.so": "runtimes/linux-x64/native/libonnxruntime_providers_cuda.so",
} as const;

/** Provider "libraries" of recognisable bytes, and the package holding them among other entries. */
export function fixturePackage(libraryBytes = 96 * 1024): { readonly zip: Uint8Array; readonly libraries: Readonly<Record<string, Uint8Array>> } {
  const libraries: Record<string, Uint8Array> = {};
  let seed = 1;
  for (const name of Object.keys(PROVIDER_PATHS)) libraries[name] = Uint8Array.from({ length: libraryBytes }, (_, i) => (i * 31 + seed++) & 0xff);
  const zip = storedZip({
    "Microsoft.ML.OnnxRuntime.Gpu.Linux.nuspec": new TextEncoder().encode("<package><metadata><version>1.30.0</version></metadata></package>"),
    ...Object.fromEntries(Object.entries(PROVIDER_PATHS).map(([name, p]) => [p, libraries[name]])),
    "runtimes/linux-x64/native/libonnxruntime.so": new Uint8Array(1024),
  });
  return { zip, libraries };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function pinFor(url: string, zip: Uint8Array, overrides: { readonly sha256?: string | null; readonly size?: number | null } = {}): CudaPin {
  return {
    onnxruntime: "1.30.0",
    platforms: {
      "linux-x64": {
        package: "Microsoft.ML.OnnxRuntime.Gpu.Linux",
        url,
        size: overrides.size === undefined ? zip.byteLength : overrides.size,
        sha256: overrides.sha256 === undefined ? sha256Hex(zip) : overrides.sha256,
        files: PROVIDER_PATHS,
      },
    },
  };
}

export interface PackageServer {
  readonly base: string;
  /** Every request: path and its Range header. */
  readonly requests: { readonly path: string; readonly range?: string }[];
  close(): Promise<void>;
}

/**
 * Routes: /pkg (the package, ranges served), /missing (404), /cut (the first answer stops halfway
 * through the announced body, later ones serve ranges), /stall (sends a little, then waits),
 * /redirect (302 to /pkg), /endless (a body with no length that never ends).
 */
export async function servePackage(zip: Uint8Array): Promise<PackageServer> {
  const requests: { path: string; range?: string }[] = [];
  let cutServed = false;
  const body = Buffer.from(zip);
  const sendRange = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = m ? Number(m[1]) : 0;
    if (start >= body.length) {
      res.writeHead(416).end();
      return;
    }
    const part = body.subarray(start);
    res.writeHead(m ? 206 : 200, { "content-length": part.length, ...(m ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    res.end(part);
  };
  const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    requests.push({ path: url, ...(req.headers.range ? { range: req.headers.range } : {}) });
    if (url === "/pkg") return sendRange(req, res);
    if (url === "/redirect") return void res.writeHead(302, { location: "/pkg" }).end();
    if (url === "/cut") {
      if (cutServed) return sendRange(req, res);
      cutServed = true;
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    if (url === "/endless") {
      res.writeHead(200);
      const more = (): void => void (res.write(body) ? setImmediate(more) : res.once("drain", more));
      res.on("close", () => res.removeAllListeners("drain"));
      more();
      return;
    }
    if (url === "/stall") {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 1024));
      return;
    }
    res.writeHead(404, "Not Found").end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
