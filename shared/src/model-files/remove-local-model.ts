import { realpath, rm } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { removeManifest } from "./manifest-files.js";

export class OutsideModelsDirError extends Error {
  override name = "OutsideModelsDirError";
}

/**
 * The absolute path of `file` under `modelsDir`, refusing anything that lands outside it (`..`,
 * an absolute path, or a symbolic link on the way that points out).
 */
export async function resolveInsideModelsDir(modelsDir: string, file: string): Promise<string> {
  const root = resolve(modelsDir);
  const path = resolve(root, file);
  const outside = (p: string, base: string) => {
    const rel = relative(base, p);
    return rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel);
  };
  if (isAbsolute(file) || outside(path, root)) {
    throw new OutsideModelsDirError(`${JSON.stringify(file)} is outside the models dir ${root}; only files under it can be removed.`);
  }
  // The folders on the way must not lead out either (the file itself may be a link: removing it removes only the link).
  const realRoot = await realpath(root).catch(() => root);
  const realParent = await realpath(resolve(path, "..")).catch(() => resolve(path, ".."));
  if (realParent !== realRoot && outside(realParent, realRoot)) {
    throw new OutsideModelsDirError(`${JSON.stringify(file)} leads outside the models dir ${root} through a linked folder; remove it by hand if that is what you want.`);
  }
  return path;
}

interface RemovedLocalModel {
  /** The model file was there and is gone. */
  file: boolean;
  manifest: boolean;
}

/** Deletes a model file and its manifest (either may already be gone). */
export async function removeLocalModel(modelsDir: string, file: string): Promise<RemovedLocalModel> {
  const path = await resolveInsideModelsDir(modelsDir, file);
  let removedFile = true;
  try {
    await rm(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    removedFile = false;
  }
  const removedManifest = await removeManifest(modelsDir, file);
  return { file: removedFile, manifest: removedManifest };
}
