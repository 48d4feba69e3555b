import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { intVar, natsEnv, parseEnv, requestLogEnv } from "@lantern/shared/config";
import { WORKER_HEARTBEAT_TTL_MS } from "@lantern/shared/contracts";
import { buildEnv, telemetryEnv } from "@lantern/shared/telemetry";

export const GatewayConfig = z.object({
  ...natsEnv,
  ...requestLogEnv,
  ...telemetryEnv,
  ...buildEnv,
  // Loopback by default: exposed only on purpose (compose sets 0.0.0.0).
  GATEWAY_HOST: z.string().default("127.0.0.1").describe("listen address (loopback unless you expose it on purpose)"),
  GATEWAY_PORT: intVar(8002, { min: 0, max: 65535 }).describe("listen port"),
  GATEWAY_CORS_ORIGINS: z.string().default("").describe("origins allowed to call the API from a browser, comma-separated, or `*`; empty: none (closed)"),
  // Off by default: prompts are the users' data.
  GATEWAY_LOG_PROMPTS: z
    .enum(["true", "false", "1", "0", ""])
    .default("false")
    .transform((v) => v === "true" || v === "1")
    .describe("log each request's prompt with its request id (opt-in: prompts are users' data)"),
  GATEWAY_BODY_LIMIT_BYTES: intVar(1024 * 1024, { min: 1024 }).describe("larger request bodies get 413"),
  GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES: intVar(64 * 1024 * 1024, { min: 1024 }).describe(
    "an upstream provider's answer read whole, or one event of its stream, larger than this ends with 502 `upstream_response_too_large`",
  ),
  // A slow sender cannot hold a connection.
  GATEWAY_BODY_TIMEOUT_MS: intVar(15_000, { min: 10 }).describe("a body not received within this gets 408 and the connection is closed"),
  GATEWAY_QUEUE_TIMEOUT_MS: intVar(30_000, { min: 1 }).describe("how long a job may wait for a free slot before 503 (it is then withdrawn)"),
  GATEWAY_QUEUE_LIMIT: intVar(256, { min: 0 }).describe(
    "a request is refused (503 `queue_full`, `Retry-After`) when this many jobs of its model wait at its priority or above; `0`: no bound",
  ),
  GATEWAY_QUEUE_POLL_MS: intVar(500, { min: 50 }).describe("how often queue depths and oldest waits are read from JetStream"),
  GATEWAY_STALL_TIMEOUT_MS: intVar(60_000, { min: 100 }).describe("how long a started job may go silent (worker lost, job being redelivered) before it fails"),
  // A miss costs a whole prompt evaluation (hundreds of ms for a long conversation), so the bound
  // covers a loaded worker's slower pull (bench:prompt, docs/performance.md), not a decode step.
  GATEWAY_PREFIX_AFFINITY_MS: intVar(50, { min: 0, max: 1_000 }).describe(
    "a job whose prompt prefix a worker's free slot holds goes to that worker's lane; other workers take it after this long; `0`: no preference",
  ),
  GATEWAY_SSE_PING_MS: intVar(2_000, { min: 10 }).describe("interval of `: ping` comments while waiting for the first token"),
  GATEWAY_RESUME_WINDOW_S: intVar(120, { min: 0, max: 3_600 }).describe(
    "how long a streamed request's replies are kept (memory stream `REPLIES`, at most 256 MiB) so that it can be resumed at any gateway (`Last-Event-ID`); `0`: off",
  ),
  GATEWAY_STREAM_BUFFER_BYTES: intVar(1024 * 1024, { min: 1024 }).describe(
    "a stream holding more than this for a client that reads too slowly is dropped (`client_too_slow`) and its job cancelled",
  ),
  GATEWAY_STREAM_STALL_MS: intVar(30_000, { min: 100 }).describe("the same for a stream whose client took none of its waiting bytes for this long"),
  GATEWAY_CACHE_TTL_S: intVar(0, { min: 0, max: 30 * 86_400 }).describe(
    "response cache TTL for requests without a key (open mode); `0`: off. Keys use their policy's `cache.ttlSeconds`",
  ),
  WORKER_HEARTBEAT_TTL_MS: intVar(WORKER_HEARTBEAT_TTL_MS, { min: 1_000 }).describe("a worker whose last heartbeat is older than this is gone"),
  GATEWAY_AUTH: z
    .enum(["auto", "required", "off"])
    .default("auto")
    .describe(
      "API keys on `/v1` and `/api/custom`. `auto`: required once KV `keys` holds a key (revoked and expired ones too); `required`: always; `off`: never (local use only: anyone who reaches the port may use every model)",
    ),
  GATEWAY_LIMIT_HOLD_MS: intVar(15 * 60_000, { min: 1_000 }).describe("a concurrency slot whose gateway died without releasing it lapses after this long"),
  GATEWAY_DEFAULT_COMPLETION_TOKENS: intVar(4096, { min: 1 }).describe(
    "completion tokens reserved for a request without `max_tokens` when its model's context size is unknown",
  ),
  GATEWAY_USAGE_OUTBOX_LIMIT: intVar(100_000, { min: 1 }).describe("usage events held while NATS is unreachable; beyond it the oldest are dropped (and logged)"),
  GATEWAY_WEB_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL("../../../web/dist", import.meta.url)))
    .describe("the built web app served at `/` (`node scripts/ensure-web.mjs` builds it)"),
  GATEWAY_ADMIN_URL: z
    .preprocess((v) => (v === "" ? undefined : v), z.url().optional())
    .describe("the admin service, for the web app's Keys, Usage and Models pages (their `/admin/api/...` calls are forwarded there); unset: not forwarded"),
  GATEWAY_ADMIN_TOKEN: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().min(16).optional())
    .describe("the admin service's ADMIN_TOKEN: the SOP-compatible `/api/v1/monitor/logs` requires it as a bearer token, saving a pipeline (`PUT /v1/pipelines/{name}`) as `X-Admin-Token`; unset: both answer only callers on this machine"),
  // The llama.cpp guide's chat socket protocol: a bare `{"content"}` frame names none of these.
  GATEWAY_CHAT_DEFAULT_MODEL: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().optional())
    .describe("model of a chat socket's bare `{\"content\"}` turn (the llama.cpp guide's frames); unset: `LLM_MODEL`, else the live fleet's model served longest"),
  LLM_MODEL: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().transform((name) => name.replace(/\.gguf$/i, "")).optional())
    .describe("the llama.cpp guide's name for `GATEWAY_CHAT_DEFAULT_MODEL`; a trailing `.gguf` is dropped (a pulled file is served under its name without it)"),
  GATEWAY_CHAT_DEFAULT_SYSTEM_PROMPT: z
    .string()
    .default("You are a helpful assistant.")
    .describe("system message put before the history of a bare `{\"content\"}` turn; empty: none (the model's own default applies)"),
  GATEWAY_CHAT_DEFAULT_TEMPERATURE: z
    .preprocess((v) => (v === undefined || v === "" ? 0.2 : v), z.coerce.number().min(0).max(2))
    .describe("sampling temperature of a bare `{\"content\"}` turn"),
  GATEWAY_MONITOR_STATS_MS: intVar(1_000, { min: 100 }).describe("how often monitor sockets get worker and queue stats"),
  GATEWAY_PROCESSES: z
    .preprocess((v) => (v === "auto" ? availableParallelism() : v), intVar(1, { min: 1, max: 256 }))
    .describe(
      "gateway processes sharing the port, each a whole gateway using up to one core (Node's cluster module; `/metrics` adds all of them up); a number or `auto` (one per core). One process serves on up to one core: set this on a host with cores to spare",
    ),
});
export type GatewayConfig = z.output<typeof GatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseEnv(GatewayConfig, env);
}
