import type { Method } from "../../shared/rpc";
import type { ChannelReply, ImageView, LayerReply, LayerRequest, LayerTiles, ModelView } from "../../shared/protocol";
import type { NormalizeMode } from "../../shared/normalize";
import type { AnalyzeRequest, EngineOptions, ScanRequest } from "../engine";
import type { ScanResult } from "../../shared/scan";
import type { ExplainParams, ExplainReply } from "../../shared/explain";
import type { CompareReply, CompareRequest } from "../../shared/compare";

// What the extension host asks its inference process. Structured clone ("advanced"
// serialization) carries the typed arrays as binary.

export interface AnalyzeResult {
  readonly model: ModelView;
  readonly image?: ImageView;
}

/** The tiles a view will ask for first: the ones it shows, or its opening figure. */
export type FirstTiles = { readonly request: LayerRequest } | { readonly pinned: readonly string[]; readonly normalize: NormalizeMode };

export interface EngineStatus {
  readonly pid: number;
  readonly rssBytes: number;
  /** Model runs completed since the process started. */
  readonly runs: number;
  /** Analyses held in the cache. */
  readonly analyses: number;
  /** Calls that ended because their caller cancelled them. */
  readonly cancelled: number;
}

export type EngineMethods = {
  /**
   * `prefetch`: only if it fits beside the analyses held (FeatureMapsEngine.analyze). `first`: the
   * tiles come with the result, and the result may be ready once their layer is.
   */
  readonly analyze: Method<{ readonly analyze: AnalyzeRequest; readonly prefetch?: boolean; readonly first?: FirstTiles }, AnalyzeResult & { readonly first?: LayerTiles }>;
  readonly layer: Method<{ readonly analyze: AnalyzeRequest; readonly request: LayerRequest }, LayerReply>;
  readonly channel: Method<{ readonly analyze: AnalyzeRequest; readonly layer: string; readonly channel: number }, ChannelReply>;
  /** The layer's raw tensor as the bytes of a float32 .npy file. */
  readonly npy: Method<{ readonly analyze: AnalyzeRequest; readonly layer: string }, Uint8Array>;
  /** Reports progress per batch for the multi-pass methods. */
  readonly explain: Method<{ readonly analyze: AnalyzeRequest; readonly explain: ExplainParams }, ExplainReply>;
  /** A folder through one layer; progress per image (done of found). */
  readonly scan: Method<{ readonly scan: ScanRequest }, ScanResult>;
  readonly status: Method<Record<string, never>, EngineStatus>;
  /** Compare: a page of channels of A and B (two analyses) on one layer. */
  readonly compare: Method<{ readonly a: AnalyzeRequest; readonly b: AnalyzeRequest; readonly request: CompareRequest }, CompareReply>;
  /** Compare: A, B and A - B of a layer as the bytes of an .npz file. */
  readonly compareNpz: Method<{ readonly a: AnalyzeRequest; readonly b: AnalyzeRequest; readonly layer: string }, Uint8Array>;
};

/** Sent once before any call, and again when the settings change. */
export interface EngineInit {
  readonly type: "init";
  readonly options: EngineOptions;
}
