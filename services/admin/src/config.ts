import { join } from "node:path";
import { z } from "zod";
import { intVar, natsEnv, parseEnv } from "@lantern/shared/config";

export const AdminConfig = z.object({
  ...natsEnv,
  /** Loopback by default; any other address requires ADMIN_TOKEN. */
  ADMIN_HOST: z.string().default("127.0.0.1"),
  ADMIN_PORT: intVar(8001, { min: 0, max: 65535 }),
  /** Bearer token for every /api route except health; required when not bound to loopback. */
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters").optional(),
  /** A Postgres server; unset: embedded PGlite under LANTERN_DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  LANTERN_DATA_DIR: z.string().default(join(process.cwd(), ".data")),
  /** Where GGUF model files live (the registry lists them). */
  MODELS_DIR: z.string().default(join(process.cwd(), "models")),
});
export type AdminConfig = z.output<typeof AdminConfig>;

export function loadAdminConfig(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  return parseEnv(AdminConfig, env);
}
