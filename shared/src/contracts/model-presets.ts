import { z } from "zod";
import { HubRepo, HubRevision, RepoFilePath, Sha256Hex } from "./model-pull.js";

/** One entry of the fetcher's preset catalogue (`services/model-fetcher/presets.json`). */
export const ModelPreset = z.strictObject({
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
export type ModelPreset = z.output<typeof ModelPreset>;

/** Asked on `models.presets` (core NATS, request/reply): any running fetcher answers with its catalogue. */
export const ModelPresetsRequest = z.object({ v: z.literal(1) });
export type ModelPresetsRequest = z.infer<typeof ModelPresetsRequest>;

export const ModelPresetsReply = z.object({ v: z.literal(1), presets: z.array(ModelPreset) });
export type ModelPresetsReply = z.infer<typeof ModelPresetsReply>;
