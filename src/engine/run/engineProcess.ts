// The inference process: the extension host forks it so that a native crash in onnxruntime (a
// broken model, an out-of-memory GPU) ends this process and not the user's extension host.
import { FeatureMapsEngine } from "../engine";
import { writeNpy } from "../formats/npy";
import type { EngineCall, EngineResults, FromEngine, ToEngine } from "./messages";

let engine: FeatureMapsEngine | undefined;

async function handle(call: EngineCall): Promise<EngineResults[EngineCall["op"]]> {
  if (!engine) throw new Error("the inference process was not initialised");
  const analysis = await engine.analyze(call.analyze);
  switch (call.op) {
    case "analyze":
      return { model: analysis.model, image: analysis.image };
    case "layer":
      return analysis.layer(call.request);
    case "channel":
      return analysis.channel(call.layer, call.channel);
    case "npy": {
      const a = analysis.activation(call.layer);
      return writeNpy(a.data, a.shape);
    }
  }
}

function send(message: FromEngine): void {
  process.send?.(message);
}

process.on("message", (message: ToEngine) => {
  if (message.kind === "init") {
    engine?.dispose();
    engine = new FeatureMapsEngine(message.options);
    return;
  }
  handle(message.call).then(
    (value) => send({ kind: "result", id: message.id, value }),
    (e: unknown) => send({ kind: "error", id: message.id, message: String((e as Error)?.message ?? e) }),
  );
});

// Without a parent there is nobody to answer; leave rather than linger.
process.on("disconnect", () => process.exit(0));
