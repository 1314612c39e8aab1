// The inference process: the extension host forks it so that a native crash in onnxruntime (a
// broken model, an out-of-memory GPU) ends this process and not the user's extension host.
import { errorCode, FeatureMapsError } from "../../shared/errors";
import { type Handlers, type Progress, RpcEndpoint } from "../../shared/rpc";
import { FeatureMapsEngine } from "../engine";
import { writeNpy } from "../formats/npy";
import type { EngineInit, EngineMethods } from "./engineMethods";
import { useCuda } from "./ort";
import { openingRequest } from "../../shared/layerRequests";
import { prepareJpeg } from "../image/jpeg";
import { compareLayers, compareNpz, pairedLayer } from "../compare/compareAnalyses";

let engine: FeatureMapsEngine | undefined;
let cancelledCalls = 0;
/** Altered inputs per run for Score-CAM and occlusion: enough to keep the cores busy, few enough for big inputs. */
const EXPLAIN_BATCH = 8;

function ready(): FeatureMapsEngine {
  if (!engine) throw new FeatureMapsError("INTERNAL", "the inference process was not initialised");
  return engine;
}

const handlers: Handlers<EngineMethods> = {
  async analyze({ analyze, prefetch, first }, signal) {
    const analysis = await ready().analyze(analyze, signal, { prefetch, first: first && ("request" in first ? { layer: first.request.layer } : first) });
    const { model, image } = analysis;
    const request = first && ("request" in first ? first.request : openingRequest(model.layers, first.pinned, first.normalize));
    // The tiles are a courtesy: a view that does not get them asks for them.
    const reply = request && (await analysis.layer(request, signal).catch(() => undefined));
    return { model, image, ...(request && reply ? { first: { request, reply } } : {}) };
  },
  async layer({ analyze, request }, signal) {
    return (await ready().analyze(analyze, signal)).layer(request, signal);
  },
  async channel({ analyze, layer, channel }, signal) {
    return (await ready().analyze(analyze, signal)).channel(layer, channel, signal);
  },
  async npy({ analyze, layer }, signal) {
    const a = await (await ready().analyze(analyze, signal)).activation(layer, signal);
    return writeNpy(a.data, a.shape);
  },
  async explain({ analyze, explain }, signal, progress) {
    return (await ready().explain(analyze, { ...explain, batch: EXPLAIN_BATCH, progress }, signal)).explanation;
  },
  compare({ a, b, request }, signal) {
    return compareLayers(ready(), a, b, request, signal);
  },
  async compareNpz({ a, b, layer }, signal) {
    return compareNpz(await pairedLayer(ready(), a, b, layer, signal));
  },
  scan({ scan }, signal, progress) {
    return ready().scan(scan, { signal, progress });
  },
  status() {
    const { runs, analyses } = engine?.counts ?? { runs: 0, analyses: 0 };
    return { pid: process.pid, rssBytes: process.memoryUsage.rss(), runs, analyses, cancelled: cancelledCalls };
  },
};

/** Counts the calls that a cancel stopped, so a test can see the cancel arrived here. */
function counted(all: Handlers<EngineMethods>): Handlers<EngineMethods> {
  const wrap =
    <P, R>(handler: (params: P, signal: AbortSignal, progress: Progress) => Promise<R> | R) =>
    async (params: P, signal: AbortSignal, progress: Progress): Promise<R> => {
      try {
        return await handler(params, signal, progress);
      } catch (e) {
        if (errorCode(e) === "CANCELLED") cancelledCalls++;
        throw e;
      }
    };
  return { analyze: wrap(all.analyze), layer: wrap(all.layer), channel: wrap(all.channel), npy: wrap(all.npy), explain: wrap(all.explain), compare: wrap(all.compare), compareNpz: wrap(all.compareNpz), scan: wrap(all.scan), status: all.status };
}

const rpc = new RpcEndpoint<EngineMethods, Record<string, never>>({ post: (m) => process.send?.(m), handlers: counted(handlers) });

process.on("message", (message: unknown) => {
  if (rpc.receive(message)) return;
  const init = message as EngineInit;
  if (init?.type === "init") {
    engine?.dispose();
    useCuda(init.options.cuda);
    engine = new FeatureMapsEngine(init.options);
    // Views ask for images as the user clicks: a first JPEG need not wait for its decoder.
    prepareJpeg();
  }
});

// Without a parent there is nobody to answer; leave rather than linger.
process.on("disconnect", () => process.exit(0));
