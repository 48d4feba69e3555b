import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, bigint } from "drizzle-orm/pg-core";
import type { Budget, CachePolicy, RateLimit, RouteStep } from "@lantern/shared/contracts";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

/** API keys: only the sha256 of the secret is kept, plus a short prefix so people can tell keys apart. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    tags: jsonb("tags").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    keyHash: text("key_hash").notNull().unique(),
    keyPrefix: text("key_prefix").notNull(),
    allowedModels: jsonb("allowed_models").$type<string[] | null>(),
    allowedPaths: jsonb("allowed_paths").$type<string[] | null>(),
    rateLimits: jsonb("rate_limits").$type<RateLimit[]>().notNull().default(sql`'[]'::jsonb`),
    maxConcurrent: integer("max_concurrent"),
    budget: jsonb("budget").$type<Budget | null>(),
    cache: jsonb("cache").$type<CachePolicy | null>(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("api_keys_created_at_idx").on(t.createdAt)],
);

/** OpenAI-compatible upstreams. The secret is stored as given: protect the database like the upstream's own console. */
export const providerSettings = pgTable("provider_settings", {
  name: text("name").primaryKey(),
  // Null: the worker fleet under this name (see ProviderSetting).
  baseUrl: text("base_url"),
  apiKey: text("api_key"),
  timeoutMs: integer("timeout_ms").notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A public model name served by ordered steps (local pool, upstreams). */
export const modelRoutes = pgTable("model_routes", {
  model: text("model").primaryKey(),
  steps: jsonb("steps").$type<RouteStep[]>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** USD per million tokens, per model name (local models included). */
export const modelPrices = pgTable("model_prices", {
  model: text("model").primaryKey(),
  inputPerMTokUsd: doublePrecision("input_per_mtok_usd").notNull(),
  outputPerMTokUsd: doublePrecision("output_per_mtok_usd").notNull(),
  updatedAt: updatedAt(),
});

/** Model files known to the platform (registered by the fetcher or found on disk), with their GGUF metadata. */
export const models = pgTable("models", {
  name: text("name").primaryKey(),
  file: text("file").notNull(),
  sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
  sha256: text("sha256"),
  architecture: text("architecture"),
  quantization: text("quantization"),
  contextLength: integer("context_length"),
  parameterCount: bigint("parameter_count", { mode: "number" }),
  hasChatTemplate: boolean("has_chat_template"),
  source: jsonb("source").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** One row per request at the edge; the primary key is the event id, so a redelivered event is stored once. */
export const usageEvents = pgTable(
  "usage_events",
  {
    id: text("id").primaryKey(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
    requestId: text("request_id").notNull(),
    gatewayId: text("gateway_id").notNull(),
    keyId: text("key_id"),
    method: text("method").notNull(),
    path: text("path").notNull(),
    model: text("model").notNull(),
    servedModel: text("served_model"),
    provider: text("provider").notNull(),
    workerIds: jsonb("worker_ids").$type<string[]>().notNull(),
    status: integer("status").notNull(),
    errorType: text("error_type"),
    stream: boolean("stream").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    cachedTokens: integer("cached_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull(),
    costUsd: doublePrecision("cost_usd").notNull(),
    ttftMs: doublePrecision("ttft_ms"),
    latencyMs: doublePrecision("latency_ms").notNull(),
    cacheHit: boolean("cache_hit").notNull(),
  },
  (t) => [
    index("usage_events_at_idx").on(t.at),
    index("usage_events_key_at_idx").on(t.keyId, t.at),
    index("usage_events_model_at_idx").on(t.model, t.at),
  ],
);
