import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ModelPreset } from "@lantern/shared/contracts";
import { nearNames } from "@lantern/shared/model-files";

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
