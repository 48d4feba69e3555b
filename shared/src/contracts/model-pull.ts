import { z } from "zod";

/** `owner/name` as the Hugging Face hub spells a repository. */
export const HubRepo = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be owner/name (letters, digits, '.', '_', '-')")
  .refine((repo) => !repo.split("/").some((part) => part === "." || part === ".." || part.includes("..")), "must not contain '..'");

/**
 * A file path inside a repository: relative, `/`-separated, with no `.`/`..` segment, no
 * backslash and no control character, so it can never name a place outside the models dir.
 */
export const RepoFilePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((file) => !file.startsWith("/") && !file.includes("\\"), "must be a relative path with '/' separators")
  .refine((file) => file.split("/").every((segment) => segment !== "" && segment !== "." && segment !== ".."), "must not contain '.', '..' or empty path segments")
  // eslint-disable-next-line no-control-regex
  .refine((file) => !/[\u0000-\u001f\u007f]/.test(file), "must not contain control characters");

/** A branch, tag or commit on the hub. */
export const HubRevision = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._\-/]+$/, "must be a branch, tag or commit")
  .refine((rev) => !rev.split("/").includes(".."), "must not contain '..'");

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

/** Pull identifiers travel as subject tokens (`events.model.pull.<pullId>`). */
export const PullId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 of [A-Za-z0-9_-]");

/** What to pull: a preset by name, or a file of a hub repository. */
export const ModelPullTarget = z.union([
  z.strictObject({ preset: z.string().min(1).max(128) }),
  z.strictObject({
    repo: HubRepo,
    file: RepoFilePath,
    /** Branch, tag or commit; `main` when absent. The fetcher pins it to the commit the hub reports. */
    revision: HubRevision.optional(),
    /** Expected digest; without it the hub's reported LFS digest is used. */
    sha256: Sha256Hex.optional(),
  }),
]);
export type ModelPullTarget = z.infer<typeof ModelPullTarget>;

/** Sent to the `MODELS` work queue (`names.subjects.modelPull`); one fetcher takes each. */
export const ModelPullCommand = z.strictObject({
  v: z.literal(1),
  pullId: PullId,
  target: ModelPullTarget,
  /** The name workers serve it under; the file's base name without `.gguf` when absent. */
  name: z.string().min(1).max(256).optional(),
  /** Also store the verified file in the `models` object store, for workers on other hosts. */
  distribute: z.boolean().optional(),
  requestedAt: z.number().int(),
});
export type ModelPullCommand = z.infer<typeof ModelPullCommand>;

/**
 * What a pulled file's sha256 was checked against: the pull command's own digest, the preset's,
 * or the one the hub reported. Null: no digest was known anywhere, so the file was accepted
 * unverified and its computed digest recorded.
 */
export const DigestSource = z.enum(["request", "preset", "hub"]).nullable();
export type DigestSource = z.infer<typeof DigestSource>;

/** Where a pulled file came from, pinned. */
export const ModelSource = z.object({
  repo: z.string(),
  file: z.string(),
  /** The revision asked for (branch, tag or commit). */
  revision: z.string(),
  /** The commit the hub resolved it to (`x-repo-commit`), null when the hub did not say. */
  commit: z.string().nullable(),
  preset: z.string().nullable(),
  url: z.string(),
});
export type ModelSource = z.infer<typeof ModelSource>;

/**
 * A verified model file: what the fetcher registers, writes beside the file as a manifest, and
 * announces when a pull is done.
 */
export const ModelManifest = z.object({
  v: z.literal(1),
  name: z.string(),
  /** Path relative to the models dir, `/`-separated. */
  file: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: Sha256Hex,
  architecture: z.string().nullable(),
  quantization: z.string().nullable(),
  contextLength: z.number().int().nullable(),
  parameterCount: z.number().int().nullable(),
  hasChatTemplate: z.boolean().nullable(),
  source: ModelSource.nullable(),
  /** Object name in the `models` object store, when distributed. */
  object: z.string().nullable(),
  verifiedAt: z.number().int(),
  /** What the digest was checked against (absent in manifests written without a pull). */
  digestSource: DigestSource.optional(),
});
export type ModelManifest = z.infer<typeof ModelManifest>;

export const ModelPullErrorCode = z.enum([
  "invalid_request",
  "unknown_preset",
  /** Repository, revision or file not on the hub (`nearMatches` lists what is). */
  "not_found",
  /** 401: the file is gated or private and no (valid) HF_TOKEN was given. */
  "unauthorized",
  /** 403: the token lacks access (a gated repo whose terms were not accepted). */
  "forbidden",
  "insufficient_disk",
  "digest_mismatch",
  /** Downloaded, but not a GGUF file node-llama-cpp can read, or cut short. */
  "invalid_model_file",
  "upstream_error",
  "network_error",
  "object_store_error",
  "internal_error",
  /** Someone cancelled the pull (`ModelPullCancelRequest`); a later pull of the file resumes its partial download. */
  "cancelled",
]);
export type ModelPullErrorCode = z.infer<typeof ModelPullErrorCode>;

export const ModelPullError = z.object({
  code: ModelPullErrorCode,
  message: z.string(),
  /** For unknown presets, repositories and files: the closest names that do exist. */
  nearMatches: z.array(z.string()).optional(),
});
export type ModelPullError = z.infer<typeof ModelPullError>;

const PullEventBase = {
  v: z.literal(1),
  /** Unique per event (the JetStream message id). */
  id: z.string().min(1),
  at: z.number().int(),
  pullId: PullId,
  fetcherId: z.string(),
};

const ModelPullStartedEvent = z.object({
  ...PullEventBase,
  type: z.literal("model.pull.started"),
  name: z.string(),
  source: ModelSource,
  /** Null when the hub did not give a size. */
  totalBytes: z.number().int().nonnegative().nullable(),
  /** Bytes already on disk from an earlier, interrupted attempt. */
  resumedFromBytes: z.number().int().nonnegative(),
  /** Set when this pull joined one already downloading the same file. */
  joinedPullId: PullId.nullable(),
  /** The digest the file must have; null when none is known and the file will be accepted unverified. */
  expectedSha256: Sha256Hex.nullable().optional(),
  digestSource: DigestSource.optional(),
});

const ModelPullProgressEvent = z.object({
  ...PullEventBase,
  type: z.literal("model.pull.progress"),
  receivedBytes: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative().nullable(),
  bytesPerSecond: z.number().nonnegative(),
  etaMs: z.number().nonnegative().nullable(),
});

export const ModelPullDoneEvent = z.object({
  ...PullEventBase,
  type: z.literal("model.pull.done"),
  model: ModelManifest,
  /** The verified file was already in place: nothing was downloaded. */
  alreadyPresent: z.boolean(),
  downloadedBytes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});

export const ModelPullFailedEvent = z.object({
  ...PullEventBase,
  type: z.literal("model.pull.failed"),
  error: ModelPullError,
});

/** Published on `events.model.pull.<pullId>` (stream EVENTS). */
export const ModelPullEvent = z.discriminatedUnion("type", [
  ModelPullStartedEvent,
  ModelPullProgressEvent,
  ModelPullDoneEvent,
  ModelPullFailedEvent,
]);
export type ModelPullEvent = z.infer<typeof ModelPullEvent>;
export type ModelPullDoneEvent = z.infer<typeof ModelPullDoneEvent>;
export type ModelPullFailedEvent = z.infer<typeof ModelPullFailedEvent>;

/** Published on `events.model.removed` when a model file is deleted, so its registration goes too. */
export const ModelRemovedEvent = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  at: z.number().int(),
  type: z.literal("model.removed"),
  name: z.string(),
  file: z.string(),
});
export type ModelRemovedEvent = z.infer<typeof ModelRemovedEvent>;

/**
 * Told to every fetcher (`names.subjects.modelPullCancel`): stop this pull. Only the fetcher running
 * it answers; no answer means no fetcher is running it (done already, or still queued).
 */
export const ModelPullCancelRequest = z.object({ v: z.literal(1), pullId: PullId });
export type ModelPullCancelRequest = z.infer<typeof ModelPullCancelRequest>;

export const ModelPullCancelReply = z.object({ v: z.literal(1), pullId: PullId, fetcherId: z.string() });
export type ModelPullCancelReply = z.infer<typeof ModelPullCancelReply>;
