type Child = Node | string | undefined;

interface Props {
  readonly class?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

/** Creates an element; attributes go through setAttribute so typos in ARIA names stay visible in the DOM. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title !== undefined) e.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) if (c !== undefined) e.append(c);
  return e;
}

export function codicon(name: string, extraClass = ""): HTMLSpanElement {
  return el("span", { class: `codicon codicon-${name} ${extraClass}`.trim(), attrs: { "aria-hidden": "true" } });
}

/** A canvas showing an RGBA picture at its own size; CSS decides how large it looks. */
export function pictureCanvas(width: number, height: number, rgba: Uint8ClampedArray, className: string): HTMLCanvasElement {
  const canvas = el("canvas", { class: className });
  canvas.width = width;
  canvas.height = height;
  if (width > 0 && height > 0) canvas.getContext("2d")?.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  return canvas;
}

/** A VS Code button with a codicon and a label. */
export function textButton(label: string, icon: string, onClick: () => void, options: { secondary?: boolean; title?: string } = {}): HTMLElementTagNameMap["vscode-button"] {
  const b = el("vscode-button", { text: label, title: options.title, attrs: { icon } });
  b.secondary = options.secondary ?? false;
  b.addEventListener("click", onClick);
  return b;
}

/** An icon-only toolbar button; the label is its accessible name and tooltip. */
export function iconButton(icon: string, label: string, onClick: () => void): HTMLElement {
  const b = el("vscode-toolbar-button", { title: label, attrs: { icon, label } });
  b.addEventListener("click", onClick);
  return b;
}
