import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { byteSizeVar, intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { metricsServerEnv, telemetryEnv } from "@lantern/shared/telemetry";

const flag = (defaultValue: boolean) =>
  z.preprocess((v) => (v === undefined || v === "" ? String(defaultValue) : v), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1"));

export const FetcherConfig = z.object({
  ...natsEnv,
  ...telemetryEnv,
  ...metricsServerEnv,
  /** Where verified GGUF files are put (the workers' models dir on this host). */
  MODELS_DIR: z.string().default(join(process.cwd(), "models")),
  /** The hub's base URL; resolve URLs are `{HF_ENDPOINT}/{repo}/resolve/{revision}/{file}`. */
  HF_ENDPOINT: z.string().url().default("https://huggingface.co"),
  /** Sent as a bearer token to the hub, for gated and private repositories; never logged. */
  HF_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  FETCHER_ID: z.string().regex(/^[A-Za-z0-9_-]+$/).default(() => `${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-${randomBytes(3).toString("hex")}`),
  /** Store every verified file in the `models` object store too, unless a pull says otherwise. */
  FETCHER_DISTRIBUTE: flag(false),
  /** Pulls downloading at once. */
  FETCHER_CONCURRENCY: intVar(2, { min: 1, max: 16 }),
  /** How often progress events are published per pull. */
  FETCHER_PROGRESS_INTERVAL_MS: intVar(500, { min: 50 }),
  /** First pause before continuing a broken download; doubled on each failure in a row. */
  FETCHER_RETRY_DELAY_MS: intVar(1_000, { min: 1 }),
  /** Failures in a row (without a byte of progress) before a download gives up. */
  FETCHER_MAX_RETRIES: intVar(5, { min: 0, max: 100 }),
  /** Disk space kept free beyond the file itself (default 512 MiB). */
  FETCHER_DISK_HEADROOM: byteSizeVar().transform((bytes) => bytes ?? 512 * 1024 * 1024),
  /** Copied into an empty models dir at start, so a first start has a model; empty to skip. */
  FETCHER_SEED_MODEL: z.string().default(join(import.meta.dirname, "../../../models/stories260K.gguf")),
});
export type FetcherConfig = z.output<typeof FetcherConfig>;

export function loadFetcherConfig(env: NodeJS.ProcessEnv = process.env): FetcherConfig {
  return parseEnv(FetcherConfig, env);
}
