import type { ChannelReply, ImageView, LayerReply, LayerRequest, ModelView } from "../../shared/protocol";
import type { AnalyzeRequest, EngineOptions } from "../engine";

// What the extension host and its inference process say to each other. Structured clone
// ("advanced" serialization) carries the typed arrays as binary.

export type EngineCall =
  | { readonly op: "analyze"; readonly analyze: AnalyzeRequest }
  | { readonly op: "layer"; readonly analyze: AnalyzeRequest; readonly request: LayerRequest }
  | { readonly op: "channel"; readonly analyze: AnalyzeRequest; readonly layer: string; readonly channel: number }
  | { readonly op: "npy"; readonly analyze: AnalyzeRequest; readonly layer: string };

export interface AnalyzeResult {
  readonly model: ModelView;
  readonly image?: ImageView;
}

export interface EngineResults {
  analyze: AnalyzeResult;
  layer: LayerReply;
  channel: ChannelReply;
  npy: Uint8Array;
}

export type ToEngine = { readonly kind: "init"; readonly options: EngineOptions } | { readonly kind: "call"; readonly id: number; readonly call: EngineCall };

export type FromEngine =
  | { readonly kind: "result"; readonly id: number; readonly value: EngineResults[EngineCall["op"]] }
  | { readonly kind: "error"; readonly id: number; readonly message: string };
