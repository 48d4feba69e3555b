import { join } from "node:path";
import { z } from "zod";
import { intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { telemetryEnv } from "@lantern/shared/telemetry";
import { assertBindAllowed } from "./bind-policy.js";

export const AdminConfig = z.object({
  ...natsEnv,
  ...telemetryEnv,
  /** Loopback by default; any other address requires ADMIN_TOKEN. */
  ADMIN_HOST: z.string().default("127.0.0.1"),
  ADMIN_PORT: intVar(8001, { min: 0, max: 65535 }),
  /** Bearer token for every /api route except health; required when not bound to loopback. */
  ADMIN_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(16, "ADMIN_TOKEN must be at least 16 characters").optional()),
  /** A Postgres server; unset: embedded PGlite under LANTERN_DATA_DIR. */
  DATABASE_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  LANTERN_DATA_DIR: z.string().default(join(process.cwd(), ".data")),
  /** Where GGUF model files live (the registry lists them). */
  MODELS_DIR: z.string().default(join(process.cwd(), "models")),
  /** How often the whole KV projection is rebuilt from Postgres (heals a missed write or a wiped NATS). */
  ADMIN_RESYNC_INTERVAL_MS: intVar(300_000, { min: 1_000 }),
});
export type AdminConfig = z.output<typeof AdminConfig>;

/** Parses the environment; refuses (ConfigError) a non-loopback bind without ADMIN_TOKEN. */
export function loadAdminConfig(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  const config = parseEnv(AdminConfig, env);
  assertBindAllowed(config);
  return config;
}
