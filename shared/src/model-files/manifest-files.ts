import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ModelManifest } from "../contracts/index.js";

/** Manifests live in a dot folder, which listings skip, so a manifest is never taken for a model. */
const MANIFESTS_DIR = join(".lantern", "manifests");

/** `<modelsDir>/.lantern/manifests/<file>.json` for a model file at `file` (relative, `/`-separated). */
export function manifestPath(modelsDir: string, file: string): string {
  return `${join(modelsDir, MANIFESTS_DIR, ...file.split("/"))}.json`;
}

/** The manifest written for `file`, or null when there is none or it is unreadable (a manifest only adds to what the file says). */
export async function readManifest(modelsDir: string, file: string): Promise<ModelManifest | null> {
  let text: string;
  try {
    text = await readFile(manifestPath(modelsDir, file), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = ModelManifest.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.file === file ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Writes a manifest through a temporary file and a rename, so a reader never sees half of one. */
export async function writeManifest(modelsDir: string, manifest: ModelManifest): Promise<string> {
  const path = manifestPath(modelsDir, manifest.file);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(ModelManifest.parse(manifest), null, 2)}\n`);
  await rename(tmp, path);
  return path;
}

/** Deletes the manifest of `file`; true when there was one. */
export async function removeManifest(modelsDir: string, file: string): Promise<boolean> {
  const path = manifestPath(modelsDir, file);
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
