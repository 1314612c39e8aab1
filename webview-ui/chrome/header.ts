import "./header.css";
import type { ImageView, ModelView, ProviderReport } from "../../src/shared/protocol";
import { dtypeLabel } from "../../src/shared/choices";
import { codicon, el, pictureCanvas } from "../common/dom";
import { formatShape } from "../common/format";

function figure(canvas: HTMLCanvasElement, caption: string, description: string): HTMLElement {
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", description);
  return el("figure", { class: "header-figure", title: description }, canvas, el("figcaption", { text: caption }));
}

/** The provider that ran; why not CUDA as a warning only when it is one, with the install as a link when that fixes it. */
function providerBadge(provider: ProviderReport): HTMLElement {
  const used = provider.used.toUpperCase();
  const badge = el("vscode-badge", { text: used, title: provider.reason ?? `Execution provider: ${used}` });
  if (!provider.reason || provider.quiet) return el("span", { class: "provider", title: provider.reason }, badge);
  return el(
    "span",
    { class: "provider provider-fallback", title: provider.reason },
    badge,
    codicon("warning"),
    el("span", { class: "provider-reason", text: provider.reason }),
    provider.installable ? el("a", { class: "provider-install", text: "Install GPU acceleration", attrs: { href: "command:featureMaps.installCuda" } }) : undefined,
  );
}

/** The image as loaded and as the model receives it, and what ran on it; `nav`: a panel's navigation, beside the file name. */
export function renderHeader(image: ImageView, model: ModelView, nav?: HTMLElement): HTMLElement {
  const { original, modelInput } = image;
  return el(
    "header",
    { class: "header" },
    el(
      "div",
      { class: "header-figures" },
      figure(pictureCanvas(original.width, original.height, original.rgba, "picture"), "original", `${image.fileName} as loaded`),
      figure(
        pictureCanvas(modelInput.width, modelInput.height, modelInput.rgba, "picture pixelated"),
        "as the model sees it",
        `The model input, ${modelInput.width} × ${modelInput.height}`,
      ),
    ),
    el(
      "div",
      { class: "header-text" },
      el(
        "div",
        { class: "header-line" },
        codicon("file-media"),
        el("strong", { class: "header-file", text: image.fileName, title: image.fileName }),
        el("span", { class: "dim", text: `${image.originalWidth} × ${image.originalHeight}` }),
        nav,
      ),
      el(
        "div",
        { class: "header-line" },
        codicon("circuit-board"),
        // float32 goes without saying; a half-precision or quantized model says so beside its name.
        el("span", { class: "header-model", text: model.dtype === "float32" ? model.label : `${model.label} · ${dtypeLabel(model.dtype)}`, title: `${model.label} (${dtypeLabel(model.dtype)} weights)` }),
        providerBadge(model.provider),
      ),
      el(
        "div",
        { class: "header-line dim" },
        el("span", { text: `input ${formatShape(model.inputShape)}` }),
        codicon("arrow-right"),
        el("span", { text: `output ${formatShape(model.outputShape)}` }),
        ...(model.keeps === "requested"
          ? [
              el("span", {
                class: "header-keeps",
                text: "· each layer computed when shown",
                title: "At this input size the layers together are over featureMaps.memoryBudgetMB, so each layer is computed when it is shown; global normalisation needs them all and is not available.",
              }),
            ]
          : []),
      ),
    ),
  );
}
