import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { WORKER_HEARTBEAT_TTL_MS } from "@lantern/shared/contracts";
import { telemetryEnv } from "@lantern/shared/telemetry";

export const GatewayConfig = z.object({
  ...natsEnv,
  ...telemetryEnv,
  /** Loopback by default: expose it deliberately (compose sets 0.0.0.0). */
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  GATEWAY_PORT: intVar(8002, { min: 0, max: 65535 }),
  /** Origins allowed to call the API from a browser, comma-separated, or `*`; empty (the default): none. */
  GATEWAY_CORS_ORIGINS: z.string().default(""),
  /** Log each request's prompt (messages or prompt) at info. Off by default: prompts are the users' data. */
  GATEWAY_LOG_PROMPTS: z
    .enum(["true", "false", "1", "0", ""])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  GATEWAY_BODY_LIMIT_BYTES: intVar(1024 * 1024, { min: 1024 }),
  /** An upstream provider's answer read whole, or one event of its stream, may be at most this large (else 502). */
  GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES: intVar(64 * 1024 * 1024, { min: 1024 }),
  /** A body not fully received this long after its request began is refused (408): a slow sender cannot hold a connection. */
  GATEWAY_BODY_TIMEOUT_MS: intVar(15_000, { min: 10 }),
  GATEWAY_QUEUE_TIMEOUT_MS: intVar(30_000, { min: 1 }),
  /** A request is refused (503, Retry-After) when this many jobs of its model wait at its priority or above; 0: no bound. */
  GATEWAY_QUEUE_LIMIT: intVar(256, { min: 0 }),
  /** How often queue depths and ages are read from JetStream. */
  GATEWAY_QUEUE_POLL_MS: intVar(500, { min: 50 }),
  GATEWAY_STALL_TIMEOUT_MS: intVar(60_000, { min: 100 }),
  /**
   * Prefix affinity: a job goes first to the worker whose free slot holds most of its prompt, and
   * the other workers leave it to that one for at most this long; 0: no preference. A miss costs
   * a whole prompt evaluation (hundreds of ms for a long conversation), so the bound is set to
   * cover a loaded worker's slower pull (bench:prompt, docs/performance.md), not a decode step.
   */
  GATEWAY_PREFIX_AFFINITY_MS: intVar(50, { min: 0, max: 1_000 }),
  GATEWAY_SSE_PING_MS: intVar(2_000, { min: 10 }),
  /**
   * How long the replies of a streamed request are kept (NATS stream REPLIES, in memory), so that
   * a client whose gateway died can resume the stream at another one (`Last-Event-ID`); 0: off.
   */
  GATEWAY_RESUME_WINDOW_S: intVar(120, { min: 0, max: 3_600 }),
  /**
   * The most a stream may hold unsent because its client reads too slowly; past it the job is
   * cancelled (its slot freed) and the stream ends with a `client_too_slow` error.
   */
  GATEWAY_STREAM_BUFFER_BYTES: intVar(1024 * 1024, { min: 1024 }),
  /** A stream whose client took none of its pending bytes for this long is dropped the same way. */
  GATEWAY_STREAM_STALL_MS: intVar(30_000, { min: 100 }),
  /** How long answers are cached for requests without an API key (a key's policy sets its own); 0: no caching. */
  GATEWAY_CACHE_TTL_S: intVar(0, { min: 0, max: 30 * 86_400 }),
  WORKER_HEARTBEAT_TTL_MS: intVar(WORKER_HEARTBEAT_TTL_MS, { min: 1_000 }),
  /**
   * API keys on `/v1` and `/api/custom`: `auto` requires one as soon as KV `keys` holds a key, and
   * keeps requiring one when every key is revoked or expired (open only while none exists);
   * `required` always; `off` never (for local use only: anyone reaching the port can use every model).
   */
  GATEWAY_AUTH: z.enum(["auto", "required", "off"]).default("auto"),
  /** A concurrency slot whose gateway died without releasing it lapses after this long. */
  GATEWAY_LIMIT_HOLD_MS: intVar(15 * 60_000, { min: 1_000 }),
  /** Completion tokens reserved for a request without max_tokens, when its model's context size is unknown. */
  GATEWAY_DEFAULT_COMPLETION_TOKENS: intVar(4096, { min: 1 }),
  /** Usage events held while NATS is unreachable; beyond this the oldest are dropped. */
  GATEWAY_USAGE_OUTBOX_LIMIT: intVar(100_000, { min: 1 }),
  /** The built web app served at `/` (`node scripts/ensure-web.mjs` builds it). */
  GATEWAY_WEB_DIR: z.string().min(1).default(fileURLToPath(new URL("../../../web/dist", import.meta.url))),
  /** The admin service, for the web app's keys page (`/admin/api/key-management/*` is forwarded there); unset: not forwarded. */
  GATEWAY_ADMIN_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  /** How often monitor sockets get worker and queue stats. */
  GATEWAY_MONITOR_STATS_MS: intVar(1_000, { min: 100 }),
  /**
   * Gateway processes sharing the port, each a whole gateway (one core each at most): a number, or
   * `auto` for one per CPU core. One process (the default) serves in the process started.
   */
  GATEWAY_PROCESSES: z.preprocess((v) => (v === "auto" ? availableParallelism() : v), intVar(1, { min: 1, max: 256 })),
});
export type GatewayConfig = z.output<typeof GatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseEnv(GatewayConfig, env);
}
