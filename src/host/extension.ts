import * as vscode from "vscode";
import { chooseModel } from "./modelChoice";
import { EngineClient } from "../engine/run/engineClient";
import type { EngineStatus } from "../engine/run/engineMethods";
import { exportLayerNpy, exportSnapshotPng } from "./exports";
import { imagesForCommand } from "./imageFiles";
import { PANEL_VIEW_TYPE, PanelManager } from "./panels";
import { markUsed, preload } from "./preload";
import { affectsEngine, affectsViews, clientOptions, engineOptions } from "./settings";
import { INSTALL_CUDA_COMMAND, ProviderStatus } from "./statusBar";
import { installGpuAcceleration, offerInstallOnce } from "./gpuInstall";
import { chooseConfig, WorkspaceConfigs } from "./configChoice";
import { ConfigDiagnostics } from "./configDiagnostics";
import { SIDE_VIEW_ID, SideView } from "./sideView";
import { setExtensionPath } from "./viewSources";
import type { ViewController } from "./viewController";
import { FeatureMapsError } from "../shared/errors";
import { COMPARE_VIEW_TYPE, ComparePanel } from "./compare/comparePanel";
import { sidesForCommand } from "./compare/compareCommand";
import { resolveSide, sidesFromResource, sidesResource, type SideSpec } from "./compare/compareSides";
import { FolderScans, scanCache } from "./scan/scanCommand";
import { SCAN_VIEW_TYPE, type ScanView } from "./scan/scanPanel";

/** What the extension hands to its integration tests (and to other extensions). */
export interface FeatureMapsApi {
  visualize(image: vscode.Uri, config?: string): ViewController;
  controllerFor(image?: vscode.Uri): ViewController | undefined;
  /** The side view's controller, once the view has been shown. */
  sideView(): ViewController | undefined;
  /** What the inference process has done (model runs, cancelled calls). */
  engineStatus(): Promise<EngineStatus>;
  /** The open panels, the one focused most recently last. */
  panels(): ReturnType<PanelManager["list"]>;
  /** Opens a Compare Feature Maps panel; throws with a message naming the file when a side cannot be run. */
  compare(a: SideSpec, b: SideSpec): ComparePanel;
  /** The folder scan view shown last. */
  scanView(): ScanView | undefined;
}

/** `featureMaps.visualize`'s optional second argument from the scan view: open at this layer, with this channel zoomed. */
function openAt(value: unknown): { readonly layer: string; readonly channel?: number } | undefined {
  const v = value as { layer?: unknown; channel?: unknown } | null;
  if (typeof v !== "object" || v === null || Array.isArray(v) || typeof v.layer !== "string") return undefined;
  return { layer: v.layer, ...(Number.isSafeInteger(v.channel) && (v.channel as number) >= 0 ? { channel: v.channel as number } : {}) };
}

export function activate(context: vscode.ExtensionContext): FeatureMapsApi {
  const log = vscode.window.createOutputChannel("Feature Maps", { log: true });
  setExtensionPath(context.extensionPath);
  const cudaPaths = { bundled: context.asAbsolutePath("node_modules/onnxruntime-node"), storage: context.globalStorageUri.fsPath };
  const engine = new EngineClient(context.asAbsolutePath("dist/engineProcess.js"), engineOptions(cudaPaths), (line) => log.info(line), clientOptions());
  const status = new ProviderStatus((report) => offerInstallOnce(context.globalState, report));
  const panels = new PanelManager(context.extensionUri, engine, status);

  const diagnostics = new ConfigDiagnostics();
  const sideView = new SideView(context.extensionUri, engine);

  const configs = new WorkspaceConfigs();
  const visualize = async (clicked: unknown, selection: unknown, placement: "follow" | "side"): Promise<void> => {
    const images = await imagesForCommand(clicked, selection);
    if (images.length === 0) return;
    const config = await chooseConfig(context.workspaceState, configs, images[0]);
    // null: the user dismissed the model choice.
    if (config === null) return;
    markUsed(context.workspaceState);
    await panels.showAll(images, config, placement);
    const at = openAt(selection);
    if (at) for (const image of images) panels.controllerFor(image)?.selectLayer(at.layer, "all", at.channel);
  };
  const scans = new FolderScans(context.extensionUri, engine, scanCache(context));

  const compare = (a: SideSpec, b: SideSpec, panel?: vscode.WebviewPanel): ComparePanel =>
    new ComparePanel(context.extensionUri, engine, resolveSide(a), resolveSide(b), sidesResource(a, b), panel);

  const activeAnalysis = (): ViewController => {
    const controller = panels.controllerFor();
    if (!controller?.analysis) throw new FeatureMapsError("NOT_READY", "Open a Feature Maps panel first.");
    return controller;
  };

  context.subscriptions.push(
    log,
    configs,
    status,
    panels,
    { dispose: () => engine.stop() },
    diagnostics,
    sideView,
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, panels),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const sides = sidesFromResource((state as { resource?: unknown } | undefined)?.resource);
        try {
          if (sides) return void compare(...sides, panel);
        } catch {
          // A side that no longer resolves (a file gone): the panel is not brought back.
        }
        panel.dispose();
      },
    }),
    vscode.window.registerWebviewPanelSerializer(SCAN_VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => scans.restore(panel, state) }),
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, sideView),
    vscode.commands.registerCommand("featureMaps.openExampleConfig", () =>
      vscode.window.showTextDocument(vscode.Uri.joinPath(context.extensionUri, "examples", "xai.featuremaps.json")),
    ),
    vscode.commands.registerCommand("featureMaps.visualize", (clicked?: unknown, selection?: unknown) => visualize(clicked, selection, "follow")),
    vscode.commands.registerCommand("featureMaps.visualizeToSide", (clicked?: unknown, selection?: unknown) => visualize(clicked, selection, "side")),
    ...panels.commands(),
    vscode.commands.registerCommand("featureMaps.chooseModel", chooseModel),
    // The panel is the command's result, for scripts and tests that run it.
    vscode.commands.registerCommand("featureMaps.compare", async (clicked?: unknown, selection?: unknown): Promise<ComparePanel | undefined> => {
      const sides = await sidesForCommand(clicked, selection);
      if (!sides) return undefined;
      try {
        return compare(...sides);
      } catch (e) {
        void vscode.window.showErrorMessage(`Compare Feature Maps: ${(e as Error).message}`);
        return undefined;
      }
    }),
    scans,
    vscode.commands.registerCommand("featureMaps.scanFolder", (clicked?: unknown, args?: unknown) => scans.run(clicked, args)),
    vscode.commands.registerCommand(INSTALL_CUDA_COMMAND, () =>
      installGpuAcceleration(context.globalStorageUri, () => {
        engine.configure(engineOptions(cudaPaths), clientOptions());
        panels.reloadAll();
        void sideView.view?.load();
      }),
    ),
    vscode.commands.registerCommand("featureMaps.saveGridPng", async (target?: vscode.Uri) => {
      const controller = activeAnalysis();
      const layer = controller.lastPaint?.layer ?? "grid";
      return exportSnapshotPng(await controller.snapshot(), layer, controller.analysis, target);
    }),
    vscode.commands.registerCommand("featureMaps.saveLayerNpy", async (target?: vscode.Uri) => {
      const controller = activeAnalysis();
      const layer = controller.lastPaint?.layer;
      if (!layer || !controller.analysis) throw new FeatureMapsError("NOT_READY", "No layer is shown yet.");
      return exportLayerNpy(engine, controller.analysis, layer, target);
    }),
    // Configs that Restricted Mode held back run now.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      panels.reloadAll();
      void sideView.view?.load();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsEngine(e)) engine.configure(engineOptions(cudaPaths), clientOptions());
      if (affectsViews(e)) {
        panels.reloadAll();
        // The side view shows images through the settings' model too.
        void sideView.view?.load();
      }
    }),
  );

  void preload(context, engine, (line) => log.info(line));

  // `npm start` (and scripts) name an image to show as soon as the window is up.
  const demo = process.env.FEATURE_MAPS_OPEN;
  if (demo) panels.show(vscode.Uri.file(demo));

  return { visualize: (image, config) => panels.show(image, config), controllerFor: (image) => panels.controllerFor(image), sideView: () => sideView.view, engineStatus: () => engine.call("status", {}), compare, panels: () => panels.list(), scanView: () => scans.view };
}
