import * as path from "path";

/**
 * A model config names files to read and a model to run, so in Restricted Mode only the configs
 * this extension ships run; the workspace's wait until the user trusts it.
 */
export function configMayRun(file: string, workspaceTrusted: boolean, extensionPath: string): boolean {
  if (workspaceTrusted) return true;
  const inside = path.relative(extensionPath, path.resolve(file));
  return inside !== "" && !inside.startsWith("..") && !path.isAbsolute(inside);
}
