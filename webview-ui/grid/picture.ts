import { type ColormapName, colormapLut } from "../../src/shared/colormaps";
import type { GridLayoutInfo, GridView, Picture } from "../../src/shared/protocol";
import { GAP, type GridLayout, type Size, sourceCoordinate } from "../common/tileGeometry";
import { GridBands } from "./bands";
import { GridLabels } from "./labels";
import { type GridSettings, type Plan, rowRange } from "./plan";
import type { Tile, TileStore } from "./tileStore";

/** What the grid shows now; hit tests and snapshots use it rather than settings still loading. */
interface Shown {
  readonly layer: string;
  readonly view: GridView;
  readonly colormap: ColormapName;
  readonly store: TileStore;
  /** Everything the picture depends on but its scroll position. */
  readonly base: string;
  readonly map: Size;
  readonly layout: GridLayout;
  readonly firstRow: number;
  /** The picture's tiles, row-major from its top-left; undefined where a tile has not arrived. */
  readonly tiles: readonly (Tile | undefined)[];
}

interface PictureHit {
  readonly shown: Shown;
  /** From the first tile shown. */
  readonly index: number;
  readonly tile: Tile;
  /** The activation pixel under the pointer. */
  readonly x: number;
  readonly y: number;
}

/** The rows of tiles in view: colours on the bands' canvases, channel numbers as labels over them. */
export class GridPicture {
  readonly bands = new GridBands();
  readonly labels = new GridLabels();
  shown: Shown | undefined;

  /** Paints rows [first, end) unless they show already; returns whether it painted. */
  paint(s: GridSettings, plan: Plan, store: TileStore, rows: { first: number; end: number }, bandRows: number): boolean {
    const { layout } = plan;
    const base = [store.key, store.version, layout.columns, layout.tile.width, layout.tile.height, s.colormap].join("|");
    const range = rowRange(plan, rows);
    const old = this.shown;
    if (old?.base === base && old.firstRow === rows.first && old.tiles.length === range.end - range.start) return false;
    const tiles: (Tile | undefined)[] = [];
    for (let i = range.start; i < range.end; i++) tiles.push(store.get(i));
    this.bands.show({
      base,
      map: plan.map,
      layout,
      lut: colormapLut(s.colormap),
      firstRow: rows.first,
      endRow: rows.end,
      bandRows,
      count: plan.count,
      tile: (position) => store.get(position),
    });
    this.labels.show(layout, rows.first, tiles);
    this.shown = { layer: s.layer.id, view: s.view, colormap: s.colormap, store, base, map: plan.map, layout, firstRow: rows.first, tiles };
    return true;
  }

  /** The channels of the tiles shown, in display order, up to the first tile not yet arrived. */
  channels(): number[] {
    const channels: number[] = [];
    for (const tile of this.shown?.tiles ?? []) {
      if (!tile) break;
      channels.push(tile.channel);
    }
    return channels;
  }

  hit(e: MouseEvent): PictureHit | undefined {
    const shown = this.shown;
    const hit = shown && this.bands.hit(e);
    const tile = hit && shown.tiles[hit.index];
    if (!shown || !hit || !tile) return undefined;
    return {
      shown,
      index: hit.index,
      tile,
      x: sourceCoordinate(hit.x, shown.map.width, shown.layout.tile.width),
      y: sourceCoordinate(hit.y, shown.map.height, shown.layout.tile.height),
    };
  }

  snapshot(): { picture: Picture; layout: GridLayoutInfo } | undefined {
    const shown = this.shown;
    const picture = this.bands.snapshot();
    if (!shown || !picture) return undefined;
    return {
      picture,
      layout: {
        layer: shown.layer,
        channels: this.channels(),
        columns: shown.layout.columns,
        tileWidth: shown.layout.tile.width,
        tileHeight: shown.layout.tile.height,
        gap: GAP,
        colormap: shown.colormap,
      },
    };
  }
}
