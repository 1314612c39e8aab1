// Two worlds, two targets: Node bundles for the extension host, its inference process and the
// CLI; a web bundle for the webview. onnxruntime-node stays external: it ships native binaries
// that are loaded from node_modules at run time.
const path = require("path");
const webpack = require("webpack");
const CopyPlugin = require("copy-webpack-plugin");

const tsRule = (configFile) => ({
  test: /\.ts$/,
  exclude: /node_modules/,
  use: [{ loader: "ts-loader", options: { configFile: path.resolve(__dirname, configFile), transpileOnly: true } }],
});

/** @type {import('webpack').Configuration} */
const node = {
  name: "node",
  target: "node20",
  entry: {
    extension: "./src/host/extension.ts",
    engineProcess: "./src/engine/run/engineProcess.ts",
    cli: "./src/cli/main.ts",
  },
  // Assets keep their names: the JPEG decoder's WebAssembly, which its module names by URL, is
  // read by path beside the bundles (src/engine/image/jpeg.ts).
  output: { path: path.resolve(__dirname, "dist"), filename: "[name].js", libraryTarget: "commonjs2", assetModuleFilename: "[name][ext]" },
  externals: { vscode: "commonjs vscode", "onnxruntime-node": "commonjs onnxruntime-node" },
  resolve: { extensions: [".ts", ".js"] },
  module: { rules: [tsRule("tsconfig.json")] },
  devtool: "source-map",
  plugins: [
    new webpack.BannerPlugin({ banner: "#!/usr/bin/env node", raw: true, include: /^cli\.js$/ }),
    // One file per entry: jimp's lazy imports would otherwise become numbered chunks.
    new webpack.optimize.LimitChunkCountPlugin({ maxChunks: 1 }),
  ],
  // protobufjs probes for optional modules with a computed require; it handles their absence.
  ignoreWarnings: [{ module: /@protobufjs[\\/]inquire/ }],
  performance: { hints: false },
  stats: "errors-warnings",
};

/**
 * The decode workers of a folder scan, loaded by path (src/engine/scan/decodePool.ts): its own
 * build, since entries of one build share chunks that LimitChunkCountPlugin cannot fold back.
 */
const worker = { ...node, name: "worker", entry: { scanWorker: "./src/engine/scan/scanWorker.ts" }, plugins: [new webpack.optimize.LimitChunkCountPlugin({ maxChunks: 1 })] };

/** @type {import('webpack').Configuration} */
const web = {
  name: "webview",
  target: "web",
  entry: { webview: "./webview-ui/main.ts" },
  output: { path: path.resolve(__dirname, "dist"), filename: "[name].js" },
  resolve: { extensions: [".ts", ".js"] },
  // Each widget imports its own stylesheet; webpack's own CSS support joins them into one file,
  // dist/webview.css, that the page links (no styles injected at run time, so the CSP stays strict).
  experiments: { css: true },
  module: { rules: [tsRule("webview-ui/tsconfig.json"), { test: /\.css$/, type: "css" }] },
  devtool: "source-map",
  plugins: [
    new CopyPlugin({
      patterns: [{ from: "node_modules/@vscode/codicons/dist/codicon.{css,ttf}", to: "codicons/[name][ext]" }],
    }),
  ],
  performance: { hints: false },
  stats: "errors-warnings",
};

module.exports = [node, worker, web];
