import "./panelNav.css";
import type { NavAction } from "../../src/shared/choices";
import type { PanelNav } from "../../src/shared/protocol";
import { el, iconButton } from "../common/dom";

type Step = keyof PanelNav["can"];

const STEPS: readonly { readonly action: Step; readonly icon: string; readonly label: string }[] = [
  { action: "back", icon: "arrow-left", label: "Back (Alt+[)" },
  { action: "forward", icon: "arrow-right", label: "Forward (Alt+])" },
  { action: "previous", icon: "chevron-up", label: "Previous image in the folder (Alt+Left)" },
  { action: "next", icon: "chevron-down", label: "Next image in the folder (Alt+Right)" },
];

/** A panel's image navigation in its header: back, forward, previous and next image, the image's place in its folder, and the lock. */
export class PanelNavBar {
  readonly element: HTMLElement;
  private readonly buttons = new Map<Step, HTMLElement>();
  private readonly place = el("span", { class: "panel-nav-place dim" });
  private readonly lock: HTMLElement;
  private locked = false;

  constructor(navigate: (action: NavAction) => void) {
    for (const { action, icon, label } of STEPS) {
      const button = iconButton(icon, label, () => navigate(action));
      button.dataset.action = action;
      this.buttons.set(action, button);
    }
    this.lock = iconButton("unlock", "", () => navigate(this.locked ? "unlock" : "lock"));
    this.lock.dataset.action = "lock";
    this.element = el("span", { class: "panel-nav" }, ...this.buttons.values(), this.place, this.lock);
    this.element.hidden = true;
  }

  show(nav: PanelNav): void {
    this.element.hidden = false;
    this.locked = nav.locked;
    for (const [action, button] of this.buttons) button.toggleAttribute("disabled", !nav.can[action]);
    this.place.textContent = nav.count > 1 ? `${nav.index} of ${nav.count}` : "";
    const label = nav.locked ? "Locked to this image: click to follow Visualize Feature Maps again" : "Follows Visualize Feature Maps: click to lock to this image";
    this.lock.setAttribute("icon", nav.locked ? "lock" : "unlock");
    this.lock.setAttribute("label", label);
    this.lock.title = label;
    this.lock.setAttribute("aria-pressed", String(nav.locked));
  }
}
