import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { byteSizeVar, intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { metricsServerEnv, telemetryEnv } from "@lantern/shared/telemetry";
import { initDownloadEnv } from "./seed/init-env.js";

const flag = (defaultValue: boolean) =>
  z.preprocess((v) => (v === undefined || v === "" ? String(defaultValue) : v), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1"));

export const FetcherConfig = z.object({
  ...natsEnv,
  ...telemetryEnv,
  ...metricsServerEnv,
  MODELS_DIR: z.string().default(join(process.cwd(), "models")).describe("where verified files go (the workers' models dir on this host)"),
  HF_ENDPOINT: z
    .string()
    .url()
    .default("https://huggingface.co")
    .describe("the hub or a mirror; files come from `{HF_ENDPOINT}/{repo}/resolve/{revision}/{file}`"),
  HF_TOKEN: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().optional())
    .describe("for gated and private repositories; sent only to `HF_ENDPOINT`'s host, never logged"),
  FETCHER_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default(() => `${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-${randomBytes(3).toString("hex")}`)
    .meta({ description: "names this fetcher in pull events and logs", defaultText: "host name and a random suffix" }),
  FETCHER_DISTRIBUTE: flag(false).describe("also store every verified file in the object store `models`, unless a pull says otherwise"),
  FETCHER_CONCURRENCY: intVar(2, { min: 1, max: 16 }).describe("pulls downloading at once"),
  FETCHER_EXIT_WHEN_IDLE_MS: intVar(0, { min: 0 }).describe(
    "exit (code 0) after this long without a pull; `0`: never. `npm start` sets 5 minutes and starts it again with the next pull",
  ),
  FETCHER_PROGRESS_INTERVAL_MS: intVar(500, { min: 50 }).describe("how often a pull reports progress"),
  FETCHER_RETRY_DELAY_MS: intVar(1_000, { min: 1 }).describe("first wait before continuing a broken download; doubled on each failure in a row"),
  FETCHER_MAX_RETRIES: intVar(5, { min: 0, max: 100 }).describe("failures in a row (without a byte of progress) before a download gives up"),
  FETCHER_DISK_HEADROOM: byteSizeVar()
    .transform((bytes) => bytes ?? 512 * 1024 * 1024)
    .describe("disk space kept free beyond the file: bytes, `512MiB`, `8GiB`"),
  FETCHER_SEED_MODEL: z
    .string()
    .default(join(import.meta.dirname, "../../../models/stories260K.gguf"))
    .describe("copied into an empty models dir at start, so a first start has a model (the bundled one by default); empty to skip"),
  ...initDownloadEnv,
});
export type FetcherConfig = z.output<typeof FetcherConfig>;

export function loadFetcherConfig(env: NodeJS.ProcessEnv = process.env): FetcherConfig {
  return parseEnv(FetcherConfig, env);
}
