import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { ModelLoadError } from "./model-load-error.js";

/**
 * The absolute path of a model file named relative to the models dir. A name that is absolute or
 * has a `..` segment is refused before anything touches the disk, and so is a missing file.
 */
export async function resolveModelPath(modelsDir: string, file: string): Promise<string> {
  const root = resolve(modelsDir);
  const path = resolve(root, file);
  const inside = relative(root, path);
  // Any `..` is refused, even one that climbs back in: a name means one place under the dir.
  const climbs = file.split(/[\\/]/).includes("..");
  if (isAbsolute(file) || climbs || inside === "" || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ModelLoadError("path_outside_models_dir", `Model file ${JSON.stringify(file)} is outside the models dir; name a file under it.`);
  }
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) {
    throw new ModelLoadError("file_not_found", `Model file ${JSON.stringify(file)} was not found in the models dir.`);
  }
  return path;
}
