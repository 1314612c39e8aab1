import { el } from "../common/dom";
import { pictureSize } from "../common/tileGeometry";
import { type GridSettings, type Plan, type Viewport, planGrid } from "./plan";

/** The content box plus the scroll position it was read at. */
interface Content extends Viewport {
  readonly scrollTop: number;
}

interface Padding {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/**
 * The grid's scrolling box: a sizer as large as the whole picture gives the scrollbar its range,
 * while only the rows in view are painted on it.
 */
export class GridViewport {
  readonly sizer = el("div", { class: "grid-sizer" });
  readonly element = el("div", { class: "grid-scroller", attrs: { tabindex: "0", role: "group" } }, this.sizer);
  /** What the last layout read; prefetching plans other layers for the same box. */
  laidOut: Content | undefined;
  /** Read once: reading computed styles in every scroll frame forces a style recalculation. */
  private padding: Padding | undefined;
  private sizerSize = "";
  private restoreTop: number | undefined;
  private reportedTop = -1;

  constructor(private readonly scrolled: (scrollTop: number) => void) {}

  get focused(): boolean {
    return document.activeElement === this.element;
  }

  /** The narrow layout has its own padding: call when the box changes size. */
  resized(): void {
    this.padding = undefined;
  }

  /** Applied by the next layout, once the picture has its height. */
  restoreScroll(top: number): void {
    this.restoreTop = top;
  }

  toTop(): void {
    this.element.scrollTop = 0;
  }

  /** The scroller's visible content box, in the sizer's coordinates. */
  content(): Content {
    if (!this.padding) {
      const style = getComputedStyle(this.element);
      const px = (v: string): number => parseFloat(v) || 0;
      this.padding = { top: px(style.paddingTop), right: px(style.paddingRight), bottom: px(style.paddingBottom), left: px(style.paddingLeft) };
    }
    const { top, right, bottom, left } = this.padding;
    const scrollTop = this.element.scrollTop;
    return {
      scrollTop,
      top: scrollTop - top,
      width: this.element.clientWidth - left - right,
      height: this.element.clientHeight - top - bottom,
    };
  }

  /** Plans the grid for the box's width, gives the sizer the whole picture's size and applies a saved scroll position. */
  layOut(settings: GridSettings): { plan: Plan; view: Content } {
    let view = this.content();
    const plan = planGrid(settings, view.width);
    const full = pictureSize(plan.layout, plan.rows);
    const size = `${full.width}x${full.height}`;
    if (size !== this.sizerSize) {
      this.sizerSize = size;
      this.sizer.style.width = `${full.width}px`;
      this.sizer.style.height = `${full.height}px`;
    }
    if (this.restoreTop !== undefined) {
      this.element.scrollTop = this.restoreTop;
      this.restoreTop = undefined;
      view = this.content();
    }
    this.laidOut = view;
    if (view.scrollTop !== this.reportedTop) {
      this.reportedTop = view.scrollTop;
      this.scrolled(this.reportedTop);
    }
    return { plan, view };
  }

  /** Scrolls the least that shows the rows from `top` to `bottom` (sizer coordinates). */
  reveal(top: number, bottom: number): void {
    const view = this.content();
    if (top < view.top) this.element.scrollTop += top - view.top;
    else if (bottom > view.top + view.height) this.element.scrollTop += bottom - view.top - view.height;
  }
}
