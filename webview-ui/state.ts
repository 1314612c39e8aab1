import { CHANNEL_ORDERS, CLIP_PERCENTS, DEFAULTS, GRID_VIEWS, oneOf, PANEL_VIEWS, type PanelView, TILE_SIZES } from "../src/shared/choices";
import { type ColormapName, isColormapName } from "../src/shared/colormaps";
import { NORMALIZE_MODES, type NormalizeMode } from "../src/shared/normalize";
import type { ChannelOrder, GridView } from "../src/shared/protocol";
import { EXPLAIN_INITIAL, type ExplainSettings, restoreExplain } from "./explain/settings";

/** The layer list's narrowest width in px; layout.ts hands it to the stylesheet. */
export const MIN_LAYER_PANE = 180;

/** What survives the panel being hidden and rebuilt: VS Code keeps it with setState/getState. */
export interface ViewState {
  /** The grid or the Explain view. */
  readonly panel: PanelView;
  readonly explain: ExplainSettings;
  readonly layer?: string;
  readonly view: GridView;
  /** Unset until the user picks one: until then the configured default applies. */
  readonly colormap?: ColormapName;
  readonly normalize?: NormalizeMode;
  readonly clipPercent: number;
  readonly order: ChannelOrder;
  readonly tileSize: number;
  /** The channel shown in the zoom view of the selected layer. */
  readonly zoom?: number;
  readonly scrollTop: number;
  readonly filter: string;
  /** The layer list's width in px once the user has moved its border; unset is the default. */
  readonly layersWidth?: number;
  /** Modules of the layer list's module tree the user has collapsed. */
  readonly collapsed: readonly string[];
}

/** Beyond this many collapsed modules a saved state is not worth its size. */
const MAX_COLLAPSED = 4096;

function idList(v: unknown): string[] {
  return Array.isArray(v) && v.length <= MAX_COLLAPSED ? v.filter((id): id is string => typeof id === "string" && id.length > 0 && id.length <= 1024) : [];
}

const INITIAL: ViewState = { panel: "grid", explain: EXPLAIN_INITIAL, view: DEFAULTS.view, clipPercent: DEFAULTS.clipPercent, order: DEFAULTS.order, tileSize: DEFAULTS.tileSize, scrollTop: 0, filter: "", collapsed: [] };

/** Takes from a saved state only what is still valid, so a state from an older version cannot break the panel. */
export function restoreState(saved: unknown): ViewState {
  if (typeof saved !== "object" || saved === null) return INITIAL;
  const s = saved as Record<string, unknown>;
  const nonNegativeInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
  return {
    panel: oneOf(PANEL_VIEWS, s.panel) ? s.panel : INITIAL.panel,
    explain: restoreExplain(s.explain),
    layer: typeof s.layer === "string" ? s.layer : undefined,
    view: oneOf(GRID_VIEWS, s.view) ? s.view : INITIAL.view,
    colormap: isColormapName(s.colormap) ? s.colormap : undefined,
    normalize: oneOf(NORMALIZE_MODES, s.normalize) ? s.normalize : undefined,
    clipPercent: oneOf(CLIP_PERCENTS, s.clipPercent) ? s.clipPercent : INITIAL.clipPercent,
    order: oneOf(CHANNEL_ORDERS, s.order) ? s.order : INITIAL.order,
    tileSize: oneOf(TILE_SIZES, s.tileSize) ? s.tileSize : INITIAL.tileSize,
    zoom: nonNegativeInt(s.zoom) ? s.zoom : undefined,
    scrollTop: typeof s.scrollTop === "number" && s.scrollTop >= 0 ? s.scrollTop : 0,
    filter: typeof s.filter === "string" ? s.filter : "",
    layersWidth: nonNegativeInt(s.layersWidth) && s.layersWidth >= MIN_LAYER_PANE ? s.layersWidth : undefined,
    collapsed: idList(s.collapsed),
  };
}
