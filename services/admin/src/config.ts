import { join } from "node:path";
import { z } from "zod";
import { intVar, natsEnv, parseEnv, requestLogEnv } from "@lantern/shared/config";
import { ProviderName } from "@lantern/shared/contracts";
import { telemetryEnv } from "@lantern/shared/telemetry";
import { assertBindAllowed } from "./bind-policy.js";

export const AdminConfig = z.object({
  ...natsEnv,
  ...requestLogEnv,
  ...telemetryEnv,
  ADMIN_HOST: z.string().default("127.0.0.1").describe("listen address; anything but loopback requires `ADMIN_TOKEN`"),
  ADMIN_PORT: intVar(8001, { min: 0, max: 65535 }).describe("listen port"),
  ADMIN_TOKEN: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().min(16, "ADMIN_TOKEN must be at least 16 characters").optional())
    .describe("bearer token for every `/api` route but health (at least 16 characters); unset: open, loopback only"),
  DATABASE_URL: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().optional())
    .describe("a Postgres server; unset: embedded PGlite under `LANTERN_DATA_DIR/db`, shared with the orchestrator (each its own tables)"),
  LANTERN_DATA_DIR: z.string().default(join(process.cwd(), ".data")).describe("local state: the embedded database"),
  MODELS_DIR: z.string().default(join(process.cwd(), "models")).describe("where the GGUF model files the registry lists are"),
  ADMIN_FLEET_PROVIDERS: z
    .string()
    .default("")
    .transform((text) => text.split(",").map((name) => name.trim()).filter(Boolean))
    .pipe(z.array(ProviderName))
    .meta({
      description:
        "comma-separated provider names made at start (when missing) as the worker fleet under that name, e.g. `llama-cpp-root` for BricksLLM's `/api/custom/providers/llama-cpp-root/chat/completions` (`npm start` and the compose stack set it); empty: none",
      defaultText: "empty",
    }),
  ADMIN_RESYNC_INTERVAL_MS: intVar(300_000, { min: 1_000 }).describe(
    "how often the whole KV projection is rebuilt from Postgres (heals a missed write or a wiped NATS)",
  ),
});
export type AdminConfig = z.output<typeof AdminConfig>;

/** Parses the environment; refuses (ConfigError) a non-loopback bind without ADMIN_TOKEN. */
export function loadAdminConfig(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  const config = parseEnv(AdminConfig, env);
  assertBindAllowed(config);
  return config;
}
