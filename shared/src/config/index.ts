import { z } from "zod";
import { LogFormatVar } from "./log-env.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses a service's environment with its zod schema. Every invalid variable is named in one
 * error, so a misconfigured service says exactly what to fix and exits, instead of half-starting.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`, { cause: parsed.error });
}

/** An env var holding a whole number, with a default when unset or empty. */
export function intVar(defaultValue: number, bounds: { min?: number; max?: number } = {}) {
  let n = z.coerce.number().int();
  if (bounds.min !== undefined) n = n.min(bounds.min);
  if (bounds.max !== undefined) n = n.max(bounds.max);
  return z.preprocess((v) => (v === undefined || v === "" ? defaultValue : v), n);
}

export const LogLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** Env vars every service that talks to NATS reads. */
export const natsEnv = {
  NATS_URL: z.string().default("nats://127.0.0.1:4222").describe("NATS server(s), comma-separated seeds (every node of a cluster, so any one may be down); `npm start` starts its own when unset"),
  NATS_REPLICAS: intVar(1, { min: 1, max: 5 }).describe(
    "replicas of every JetStream stream, KV bucket and object store the services create (3 on a 3-node cluster); existing ones with fewer are raised",
  ),
  NATS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .default("")
    .describe("prefix for every stream, subject and bucket, so stacks can share one NATS server"),
  LOG_LEVEL: LogLevel.default("info").describe("pino level (`fatal` ... `trace`, `silent`)"),
  LOG_FORMAT: LogFormatVar,
};

export { byteSizeVar, formatBytes } from "./byte-size.js";
export { withEnvAliases } from "./env-aliases.js";
export { requestLogEnv } from "./log-env.js";
