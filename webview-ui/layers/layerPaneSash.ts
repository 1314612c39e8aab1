import "./layerPaneSash.css";
import { el } from "../common/dom";
import { MAX_LAYER_SHARE } from "../layout";
import { MIN_LAYER_PANE } from "../state";

const KEY_STEP = 16;

/**
 * The border between the layer list and the grid, moved like VS Code's own sashes: dragged, or
 * focused and moved with the arrow keys (Home/End for the ends, Enter or a double-click for the
 * default). Long op names and ids are cut at the default width; the grid takes what is left.
 */
export class LayerPaneSash {
  readonly element = el("div", {
    class: "sash",
    title: "Drag to resize the layer list; double-click to reset",
    attrs: { role: "separator", "aria-orientation": "vertical", "aria-label": "Layer list width", tabindex: "0", "aria-valuemin": String(MIN_LAYER_PANE) },
  });

  constructor(
    /** Holds both panes; the width goes there as --layers-width, so the narrow layout can ignore it. */
    private readonly container: HTMLElement,
    private readonly pane: HTMLElement,
    width: number | undefined,
    /** A finished move: undefined is the default width. */
    private readonly changed: (width: number | undefined) => void,
  ) {
    this.apply(width);
    this.element.addEventListener("pointerdown", (e) => this.drag(e));
    this.element.addEventListener("dblclick", () => this.commit(undefined));
    this.element.addEventListener("keydown", (e) => this.key(e));
    this.element.addEventListener("focus", () => this.describe());
  }

  private maximum(): number {
    return Math.max(MIN_LAYER_PANE, Math.floor(this.container.clientWidth * MAX_LAYER_SHARE));
  }

  private current(): number {
    return Math.round(this.pane.getBoundingClientRect().width);
  }

  /** The stylesheet keeps the width within its limits, also when the panel is resized later. */
  private apply(width: number | undefined): void {
    if (width === undefined) this.container.style.removeProperty("--layers-width");
    else this.container.style.setProperty("--layers-width", `${Math.max(MIN_LAYER_PANE, width)}px`);
  }

  /** Keeps the width as shown, so a move past a limit does not linger in the state. */
  private commit(width: number | undefined): void {
    this.apply(width);
    if (width !== undefined) this.apply(this.current());
    this.describe();
    this.changed(width === undefined ? undefined : this.current());
  }

  private describe(): void {
    this.element.setAttribute("aria-valuemax", String(this.maximum()));
    this.element.setAttribute("aria-valuenow", String(this.current()));
  }

  private drag(start: PointerEvent): void {
    if (start.button !== 0) return;
    start.preventDefault();
    const from = this.current();
    this.element.setPointerCapture(start.pointerId);
    this.element.classList.add("active");
    const move = (e: PointerEvent): void => this.apply(from + e.clientX - start.clientX);
    const end = (): void => {
      this.element.removeEventListener("pointermove", move);
      this.element.classList.remove("active");
      this.commit(this.current());
    };
    this.element.addEventListener("pointermove", move);
    this.element.addEventListener("pointerup", end, { once: true });
    this.element.addEventListener("pointercancel", end, { once: true });
  }

  private key(e: KeyboardEvent): void {
    const width = this.current();
    const next: Record<string, number | undefined> = {
      ArrowLeft: width - KEY_STEP,
      ArrowRight: width + KEY_STEP,
      Home: MIN_LAYER_PANE,
      End: this.maximum(),
      Enter: undefined,
    };
    if (!(e.key in next)) return;
    e.preventDefault();
    this.commit(next[e.key]);
  }
}
