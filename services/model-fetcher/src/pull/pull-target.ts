import { resolve, sep } from "node:path";
import type { DigestSource, ModelPullCommand } from "@lantern/shared/contracts";
import { PullError } from "../pull-error.js";
import { findPreset, presetCatalogue } from "../presets/preset-catalogue.js";

/** A pull command made concrete: which file of which repository, and what digest it must have. */
export interface PullTarget {
  repo: string;
  file: string;
  revision: string;
  preset: string | null;
  /** From the command or the preset; the hub's is looked up later when both are absent. */
  sha256: string | null;
  digestSource: Exclude<DigestSource, null | "hub"> | null;
  /** The name workers serve it under. */
  name: string;
  /** Absolute path of the file under the models dir. */
  dest: string;
}

/** The absolute path of `file` under `modelsDir`; refuses anything that would land outside it or in a dot dir. */
function modelPath(modelsDir: string, file: string): string {
  const root = resolve(modelsDir);
  const dest = resolve(root, file);
  if (!dest.startsWith(root + sep) || file.includes("\\")) {
    throw new PullError("invalid_request", `file ${JSON.stringify(file)} would be written outside the models dir; use a relative path inside the repository`);
  }
  if (file.split("/").some((segment) => segment.startsWith("."))) {
    throw new PullError("invalid_request", `file ${JSON.stringify(file)} has a path segment starting with '.'; those are reserved for the fetcher's own records`);
  }
  return dest;
}

export function resolvePullTarget(cmd: ModelPullCommand, modelsDir: string): PullTarget {
  const { target } = cmd;
  let resolved: Omit<PullTarget, "name" | "dest">;
  if ("preset" in target) {
    const lookup = findPreset(target.preset);
    if (!lookup.found) {
      const known = lookup.nearMatches.length > 0 ? `did you mean: ${lookup.nearMatches.join(", ")}` : `known presets: ${presetCatalogue().map((p) => p.name).join(", ")}`;
      throw new PullError("unknown_preset", `unknown preset ${JSON.stringify(target.preset)}; ${known}`, lookup.nearMatches);
    }
    const { preset } = lookup;
    resolved = { repo: preset.repo, file: preset.file, revision: preset.revision, preset: preset.name, sha256: preset.sha256, digestSource: preset.sha256 ? "preset" : null };
  } else {
    resolved = { repo: target.repo, file: target.file, revision: target.revision ?? "main", preset: null, sha256: target.sha256 ?? null, digestSource: target.sha256 ? "request" : null };
  }
  const dest = modelPath(modelsDir, resolved.file);
  const base = resolved.file.split("/").at(-1)!;
  return { ...resolved, dest, name: cmd.name ?? base.replace(/\.gguf$/i, "") };
}
