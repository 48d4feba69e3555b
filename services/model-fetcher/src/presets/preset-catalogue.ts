import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { HubRepo, HubRevision, RepoFilePath, Sha256Hex } from "@lantern/shared/contracts";
import { nearNames } from "@lantern/shared/model-files";

const ModelPreset = z.strictObject({
  /** What `pnpm models pull <name>` takes. */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lowercase letters, digits, '.', '_' or '-'"),
  repo: HubRepo,
  file: RepoFilePath.refine((file) => file.toLowerCase().endsWith(".gguf"), "must be a .gguf file"),
  revision: HubRevision,
  /** Expected digest; null: the hub's LFS digest is trusted instead. */
  sha256: Sha256Hex.nullable(),
  /** About how big the download is, for choosing; the hub's reported size is what the download checks. */
  sizeBytes: z.number().int().positive(),
  contextLength: z.number().int().positive().nullable(),
  notes: z.string(),
  /** True only when the digest was checked against the real file here, not copied from elsewhere. */
  digestVerified: z.boolean().default(false),
});
type ModelPreset = z.output<typeof ModelPreset>;

const PresetCatalogue = z
  .strictObject({ v: z.literal(1), presets: z.array(ModelPreset).min(1) })
  .refine((c) => new Set(c.presets.map((p) => p.name)).size === c.presets.length, "preset names must be unique");

const CATALOGUE_PATH = join(import.meta.dirname, "../../presets.json");
let catalogue: readonly ModelPreset[] | undefined;

/** The checked-in presets (`services/model-fetcher/presets.json`), read and validated on first use. */
export function presetCatalogue(): readonly ModelPreset[] {
  catalogue ??= Object.freeze(PresetCatalogue.parse(JSON.parse(readFileSync(CATALOGUE_PATH, "utf8"))).presets);
  return catalogue;
}

type PresetLookup = { found: true; preset: ModelPreset } | { found: false; nearMatches: string[] };

/** Finds a preset by name (case-insensitive); an unknown name gets the closest preset names. */
export function findPreset(name: string, presets: readonly ModelPreset[] = presetCatalogue()): PresetLookup {
  const preset = presets.find((p) => p.name === name.toLowerCase());
  if (preset) return { found: true, preset };
  return { found: false, nearMatches: nearNames(name, presets.map((p) => p.name)) };
}
