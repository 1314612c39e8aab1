import { overlayCam, resizeMap, scaleCam } from "../../src/shared/camImage";
import { colormapLut } from "../../src/shared/colormaps";
import { EXPLAIN_COLORMAP } from "../../src/shared/explain";
import type { ScanHit, ScanThumbnail } from "../../src/shared/scan";
import { el, pictureCanvas } from "../common/dom";
import { formatValue } from "../common/format";

const OPACITY = 0.5;

/** The image with the channel's map over it, as the Explain view blends a class map. */
function overlaid(t: Extract<ScanThumbnail, { picture: unknown }>): HTMLCanvasElement {
  const { picture } = t;
  const scaled = resizeMap(scaleCam(t.map), t.mapHeight, t.mapWidth, picture.height, picture.width, false);
  const rgba = new Uint8Array(picture.rgba.buffer, picture.rgba.byteOffset, picture.rgba.byteLength);
  return pictureCanvas(picture.width, picture.height, overlayCam(rgba, scaled, colormapLut(EXPLAIN_COLORMAP), OPACITY), "scan-thumb-picture");
}

/** One ranking of a channel: its images as buttons, a placeholder until the overlay arrives. */
export function thumbnailRow(title: string, hits: readonly ScanHit[], pictures: ReadonlyMap<string, ScanThumbnail> | undefined, open: (path: string) => void): HTMLElement {
  const row = el("div", { class: "scan-row" });
  for (const [rank, hit] of hits.entries()) {
    const t = pictures?.get(hit.path);
    const picture = t && "picture" in t ? overlaid(t) : el("div", { class: "scan-thumb-picture scan-thumb-empty", text: t && "error" in t ? t.error.message : pictures ? "" : "…" });
    const button = el(
      "button",
      { class: "scan-thumb", title: `${hit.path}: open at this layer`, attrs: { "data-path": hit.path, "data-painted": String(t !== undefined && "picture" in t) } },
      picture,
      el("span", { class: "scan-thumb-caption", text: `${rank + 1}. ${hit.path}` }),
      el("span", { class: "scan-thumb-value dim", text: formatValue(hit.value) }),
    );
    button.addEventListener("click", () => open(hit.path));
    row.append(button);
  }
  return el("section", { class: "scan-ranking" }, el("h3", { text: title }), hits.length > 0 ? row : el("div", { class: "dim", text: "No image." }));
}
