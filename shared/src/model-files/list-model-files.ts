import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

export interface ModelFile {
  /** The file name without `.gguf`: the name a worker serves it under by default. */
  name: string;
  /** Path relative to the models dir, with `/` separators. */
  file: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

// Deep enough for `owner/repo/file.gguf` layouts, shallow enough that a models dir pointed at a big tree stays cheap.
const MAX_DEPTH = 3;

/** Every `.gguf` file under `dir` (a missing dir has none), sorted by path. */
export async function listModelFiles(dir: string): Promise<ModelFile[]> {
  const files: ModelFile[] = [];
  const walk = async (at: string, depth: number) => {
    const entries = await readdir(at, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory() && depth < MAX_DEPTH) await walk(path, depth + 1);
      else if (/\.gguf$/i.test(entry.name) && (entry.isFile() || entry.isSymbolicLink())) {
        const info = await stat(path).catch(() => null);
        if (!info?.isFile()) continue;
        files.push({
          name: entry.name.replace(/\.gguf$/i, ""),
          file: relative(dir, path).split(sep).join("/"),
          path,
          sizeBytes: info.size,
          mtimeMs: info.mtimeMs,
        });
      }
    }
  };
  await walk(dir, 0);
  return files.sort((a, b) => a.file.localeCompare(b.file));
}
