import type { ModelManifest } from "../contracts/index.js";
import { listModelFiles, type ModelFile } from "./list-model-files.js";
import { readManifest } from "./manifest-files.js";

export interface LocalModel extends ModelFile {
  /** What the fetcher recorded when it verified the file; null for files put there by hand. */
  manifest: ModelManifest | null;
}

/**
 * Every model file under `dir` with its manifest, named as workers and the registry know it: the
 * manifest's name, else the file name without `.gguf`. A name already taken goes by its path instead.
 */
export async function listLocalModels(dir: string): Promise<LocalModel[]> {
  const files = await listModelFiles(dir);
  const withManifests = await Promise.all(files.map(async (f) => ({ ...f, manifest: await readManifest(dir, f.file) })));
  const taken = new Set<string>();
  const named: LocalModel[] = [];
  // Manifest names first: a name someone chose wins over a name derived from a file.
  const byPriority = [...withManifests.filter((m) => m.manifest), ...withManifests.filter((m) => !m.manifest)];
  for (const model of byPriority) {
    let name = model.manifest?.name ?? model.name;
    if (taken.has(name)) name = model.file.replace(/\.gguf$/i, "");
    taken.add(name);
    named.push({ ...model, name });
  }
  return named.sort((a, b) => a.file.localeCompare(b.file));
}

/** The model called `name`, or whose file is `name` (its path under the models dir). */
export function findLocalModel(models: readonly LocalModel[], name: string): LocalModel | undefined {
  return models.find((m) => m.name === name) ?? models.find((m) => m.file === name || m.file === `${name}.gguf`);
}
