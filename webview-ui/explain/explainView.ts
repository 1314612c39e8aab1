import "./explain.css";
import type { ExplainMethod, ExportKind } from "../../src/shared/choices";
import { FeatureMapsError } from "../../src/shared/errors";
import type { ClassScore, ExplainParams, ExplainReply } from "../../src/shared/explain";
import type { ExplainViewChange, ExportReply, ImageView, ModelView, OverlaySnapshot } from "../../src/shared/protocol";
import { el } from "../common/dom";
import { ClassPicker } from "./classPicker";
import { MethodPicker } from "./methodPicker";
import { type Look, OverlayCard } from "./overlayCard";
import { type OverlayChange, OverlayControls } from "./overlayControls";
import { type Explain, ExplainRuns } from "./runs";
import { applyChange, type ExplainSettings, explainParams } from "./settings";

export interface ExplainHost {
  readonly explain: Explain;
  exportExplain(kind: ExportKind, method: ExplainMethod): Promise<ExportReply | undefined>;
  /** The settings changed: saved with the panel's state. */
  save(settings: ExplainSettings): void;
  /** An overlay was drawn (the host's tests wait for it). */
  rendered(method: ExplainMethod, reply: ExplainReply, look: Look): void;
}

/**
 * The Explain view: the original image with class maps over it, one card per method, for the
 * class picked among the top five. Opacity and colormap re-blend the maps already here; class,
 * method and layer changes ask for new maps and cancel those no longer shown.
 */
export class ExplainView {
  readonly element: HTMLElement;
  private readonly runs: ExplainRuns;
  private readonly methods: MethodPicker;
  private readonly classes: ClassPicker;
  private readonly controls: OverlayControls;
  private readonly cardsArea = el("div", { class: "explain-cards" });
  private readonly cards = new Map<ExplainMethod, OverlayCard>();
  private result: { readonly model: ModelView; readonly image: ImageView } | undefined;
  private active = false;
  /** The model's best classes, from the latest map: the same whatever the method. */
  private top: readonly ClassScore[] = [];

  constructor(
    private readonly host: ExplainHost,
    private settings: ExplainSettings,
  ) {
    this.runs = new ExplainRuns(host.explain, () => this.showCards());
    this.methods = new MethodPicker((methods) => this.update({ methods }));
    this.classes = new ClassPicker((index) => this.update({ classIndex: index === this.top[0]?.index ? null : index }));
    this.controls = new OverlayControls((change) => this.changeOverlay(change));
    this.element = el(
      "section",
      { class: "explain", attrs: { "aria-label": "Explain a prediction" } },
      el("div", { class: "toolbar explain-toolbar" }, this.methods.element, this.controls.element),
      this.classes.element,
      this.cardsArea,
    );
  }

  /** A new result: maps of the previous one mean nothing now. */
  setResult(model: ModelView, image: ImageView): void {
    this.result = { model, image };
    this.runs.clear();
    this.top = [];
    if (this.settings.layer !== undefined && !model.layers.some((l) => l.id === this.settings.layer)) this.update({ layer: null });
    else this.refresh();
  }

  /** Runs start only while the view is shown; hiding it lets runs in flight finish. */
  setActive(active: boolean): void {
    this.active = active;
    this.refresh();
  }

  /** A change from the host (a command, a test) or from the view's own controls. */
  update(change: ExplainViewChange): void {
    this.settings = applyChange(this.settings, change);
    this.host.save(this.settings);
    this.refresh();
  }

  overlay(method?: ExplainMethod): OverlaySnapshot {
    const card = this.cards.get(method ?? this.settings.methods[0]);
    const snapshot = card?.snapshot();
    if (!snapshot) throw new FeatureMapsError("NOT_READY", `No ${method ?? "overlay"} is shown yet.`);
    return snapshot;
  }

  private changeOverlay(change: OverlayChange): void {
    this.update("layer" in change ? { layer: change.layer ?? null } : change);
  }

  private params(method: ExplainMethod): ExplainParams {
    return explainParams(method, this.settings.layer, this.settings.classIndex);
  }

  private refresh(): void {
    const result = this.result;
    if (!result) return;
    this.methods.show(this.settings.methods);
    this.controls.show(result.model.layers, this.settings);
    for (const [method, card] of this.cards) {
      if (this.settings.methods.includes(method)) continue;
      card.element.remove();
      this.cards.delete(method);
    }
    for (const method of this.settings.methods) {
      if (this.cards.has(method)) continue;
      this.cards.set(
        method,
        new OverlayCard(method, {
          cancel: () => this.runs.cancel(this.params(method)),
          retry: () => this.runs.retry(this.params(method)),
          save: async (kind) => (await this.host.exportExplain(kind, method))?.path,
          rendered: (reply, look) => this.host.rendered(method, reply, look),
        }),
      );
    }
    this.cardsArea.replaceChildren(...this.settings.methods.map((m) => (this.cards.get(m) as OverlayCard).element));
    if (this.active) this.runs.want(this.settings.methods.map((m) => this.params(m)));
    this.showCards();
  }

  private showCards(): void {
    const result = this.result;
    if (!result) return;
    const look = { opacity: this.settings.opacity, colormap: this.settings.colormap };
    for (const [method, card] of this.cards) {
      const state = this.runs.state(this.params(method));
      if (state?.kind === "done" && state.reply.top.length > 0) this.top = state.reply.top;
      card.show(state, result.image.original, look);
    }
    this.classes.show(this.top, this.settings.classIndex);
  }
}
