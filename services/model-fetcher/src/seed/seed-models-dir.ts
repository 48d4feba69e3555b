import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Logger } from "@lantern/shared/logging";
import { writeManifest } from "@lantern/shared/model-files";
import { checkModelFile } from "../pull/model-file-check.js";

const MAX_DEPTH = 4;

async function hasGguf(dir: string, depth = 0): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    if (/\.gguf$/i.test(entry.name) && !entry.isDirectory()) return true;
    if (entry.isDirectory() && depth < MAX_DEPTH && (await hasGguf(join(dir, entry.name), depth + 1))) return true;
  }
  return false;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Copies the seed model into a models dir that has no GGUF file at all, so a first start has
 * something to serve. Returns the file's path under the dir, or null when nothing was copied.
 */
export async function seedModelsDir(modelsDir: string, seedModel: string, logger: Logger): Promise<string | null> {
  if (!seedModel) return null;
  if (await hasGguf(modelsDir)) return null;
  const info = await stat(seedModel).catch(() => null);
  if (!info?.isFile()) {
    logger.warn({ seedModel }, "FETCHER_SEED_MODEL does not exist; the models dir stays empty");
    return null;
  }
  const file = basename(seedModel);
  const dest = join(modelsDir, file);
  await mkdir(modelsDir, { recursive: true });
  await copyFile(seedModel, `${dest}.part`);
  const summary = await checkModelFile(`${dest}.part`, file);
  await rename(`${dest}.part`, dest);
  await writeManifest(modelsDir, {
    v: 1,
    name: file.replace(/\.gguf$/i, ""),
    file,
    sizeBytes: info.size,
    sha256: await sha256Of(dest),
    ...summary,
    source: null,
    object: null,
    verifiedAt: Date.now(),
    digestSource: null,
  });
  logger.info({ file, modelsDir }, "seeded the empty models dir");
  return file;
}
