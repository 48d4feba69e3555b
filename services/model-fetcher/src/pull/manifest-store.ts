import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ModelManifest } from "@lantern/shared/contracts";

/** Manifests live under a dot dir, which model listings skip, mirroring the files' own paths. */
export function manifestPath(modelsDir: string, file: string): string {
  return join(modelsDir, ".lantern", "manifests", `${file}.json`);
}

/** The manifest of a file, or null when there is none (or it cannot be read). */
export async function readManifest(modelsDir: string, file: string): Promise<ModelManifest | null> {
  const text = await readFile(manifestPath(modelsDir, file), "utf8").catch(() => null);
  if (text === null) return null;
  try {
    return ModelManifest.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

/** Written to a temporary name first, so a reader never sees half a manifest. */
export async function writeManifest(modelsDir: string, manifest: ModelManifest): Promise<string> {
  const path = manifestPath(modelsDir, manifest.file);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(ModelManifest.parse(manifest), null, 2)}\n`);
  await rename(tmp, path);
  return path;
}
