import { asc } from "drizzle-orm";
import type { AdminDeps } from "../admin-deps.js";
import { models } from "../db/schema.js";
import type { ModelPlacement } from "@lantern/shared/contracts";
import { FleetReader } from "./fleet-view.js";
import { GgufSummaryCache } from "@lantern/shared/gguf";
import { listLocalModels } from "@lantern/shared/model-files";

/** Everything known about one model: its file, its GGUF metadata, its registration, where it runs. */
interface ModelEntry {
  name: string;
  /** Path under the models dir (or as registered, when the file is not on this host). */
  file: string | null;
  onDisk: boolean;
  sizeBytes: number | null;
  modifiedAt: string | null;
  architecture: string | null;
  quantization: string | null;
  contextLength: number | null;
  parameterCount: number | null;
  hasChatTemplate: boolean | null;
  /** Why the file's header could not be read. */
  metadataError: string | null;
  sha256: string | null;
  source: Record<string, unknown> | null;
  registeredAt: string | null;
  firstServedAt: string | null;
  loadedOn: ModelPlacement[];
}

interface ModelRegistry {
  list(): Promise<ModelEntry[]>;
  get(name: string): Promise<ModelEntry | undefined>;
}

const blank = (name: string): ModelEntry => ({
  name,
  file: null,
  onDisk: false,
  sizeBytes: null,
  modifiedAt: null,
  architecture: null,
  quantization: null,
  contextLength: null,
  parameterCount: null,
  hasChatTemplate: null,
  metadataError: null,
  sha256: null,
  source: null,
  registeredAt: null,
  firstServedAt: null,
  loadedOn: [],
});

/**
 * The model registry: files in MODELS_DIR (with their GGUF headers, cached), rows of the `models`
 * table, and the fleet's heartbeats, merged by model name. Read fresh on every call, so it always
 * shows what is on disk and loaded now.
 */
export function createModelRegistry(deps: Pick<AdminDeps, "config" | "db" | "nats" | "names" | "logger">): ModelRegistry {
  const summaries = new GgufSummaryCache();
  const fleet = new FleetReader(deps.nats.nc, deps.names, deps.logger.child({ component: "model-registry" }));

  const list = async (): Promise<ModelEntry[]> => {
    const [files, rows, view] = await Promise.all([
      listLocalModels(deps.config.MODELS_DIR),
      deps.db.select().from(models).orderBy(asc(models.name)),
      fleet.read(),
    ]);
    summaries.retain(new Set(files.map((f) => f.path)));
    const entries = new Map<string, ModelEntry>();
    const entry = (name: string) => {
      let e = entries.get(name);
      if (!e) entries.set(name, (e = blank(name)));
      return e;
    };

    await Promise.all(
      files.map(async (f) => {
        // Named by its manifest when the fetcher wrote one; two files with one name: the later one goes by its path.
        const e = entry(f.name);
        Object.assign(e, { file: f.file, onDisk: true, sizeBytes: f.sizeBytes, modifiedAt: new Date(f.mtimeMs).toISOString() });
        if (f.manifest) Object.assign(e, { sha256: f.manifest.sha256, source: f.manifest.source });
        try {
          Object.assign(e, await summaries.read(f.path, { mtimeMs: f.mtimeMs, size: f.sizeBytes }));
        } catch (err) {
          e.metadataError = err instanceof Error ? err.message : String(err);
        }
      }),
    );

    for (const row of rows) {
      const e = entry(row.name);
      // The file's own manifest, when there is one, is the fresher word on what is on disk.
      e.sha256 ??= row.sha256;
      e.source ??= row.source;
      e.registeredAt = row.createdAt.toISOString();
      if (!e.onDisk) {
        Object.assign(e, {
          file: row.file,
          sizeBytes: row.sizeBytes,
          architecture: row.architecture,
          quantization: row.quantization,
          contextLength: row.contextLength,
          parameterCount: row.parameterCount,
          hasChatTemplate: row.hasChatTemplate,
        });
      }
    }

    for (const [name, served] of view.served) entry(name).firstServedAt = new Date(served.firstServedAt).toISOString();
    for (const [name, placements] of view.placements) {
      entry(name).loadedOn = placements.sort((a, b) => a.workerId.localeCompare(b.workerId));
    }
    return [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  };

  return {
    list,
    async get(name) {
      return (await list()).find((m) => m.name === name);
    },
  };
}
