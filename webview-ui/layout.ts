// The sizes the code and the stylesheets must agree on, said once. The stylesheets get them from
// here: as the `narrow` class and as custom properties on the root element.
import { MIN_LAYER_PANE } from "./state";

/** The widest viewport, in CSS px, that stacks the panel and folds the layer list into a button: the sidebar, a thin editor group. */
const NARROW_MAX_WIDTH = 499;

/** Past this share of the panel the layer list leaves the grid too little room. */
export const MAX_LAYER_SHARE = 0.6;

const narrowQuery = window.matchMedia(`(max-width: ${NARROW_MAX_WIDTH}px)`);

export function isNarrow(): boolean {
  return narrowQuery.matches;
}

/** Call before the page is built, on the element that holds it all; keeps `narrow` in step with the viewport. */
export function applyLayout(root: HTMLElement): void {
  root.style.setProperty("--layers-min-width", `${MIN_LAYER_PANE}px`);
  root.style.setProperty("--layers-max-width", `${MAX_LAYER_SHARE * 100}%`);
  const update = (): void => {
    root.classList.toggle("narrow", narrowQuery.matches);
  };
  update();
  narrowQuery.addEventListener("change", update);
}
