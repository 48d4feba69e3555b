import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * A limit over a fixed window aligned to the epoch (a 60 s window runs from one whole minute to the
 * next). `requests` counts admitted requests; `tokens` counts prompt plus completion tokens.
 * A key may carry several, e.g. 60 requests per minute and 5,000 per day.
 */
export const RateLimit = z.object({
  kind: z.enum(["requests", "tokens"]),
  limit: z.number().int().positive(),
  windowSeconds: z.number().int().positive().max(366 * 86_400),
});
export type RateLimit = z.infer<typeof RateLimit>;

/** Calendar periods in UTC; `total` never resets. */
export const BudgetPeriod = z.enum(["hour", "day", "week", "month", "total"]);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

export const Budget = z.object({
  /** Capped so a typo (or a hostile client) cannot make spend arithmetic lose precision. */
  amountUsd: z.number().positive().max(1_000_000_000),
  period: BudgetPeriod,
});
export type Budget = z.infer<typeof Budget>;

/** Response caching for a key: off, or on with how long an answer may be replayed. */
export const CachePolicy = z.object({
  ttlSeconds: z.number().int().positive().max(30 * 86_400),
});
export type CachePolicy = z.infer<typeof CachePolicy>;

/**
 * What a gateway needs to decide on a request, projected by the admin service into KV bucket
 * `keys` under the key's hash. The secret itself is never stored anywhere.
 */
export const KeyPolicy = z.object({
  v: z.literal(1),
  keyId: z.string().min(1),
  name: z.string(),
  tags: z.array(z.string()),
  /** null: every model. Exact model names as clients send them. */
  allowedModels: z.array(z.string()).nullable(),
  /** null: every `/v1` path. A trailing `*` matches a prefix (`/v1/chat/*`). */
  allowedPaths: z.array(z.string()).nullable(),
  rateLimits: z.array(RateLimit),
  maxConcurrent: z.number().int().positive().nullable(),
  budget: Budget.nullable(),
  cache: CachePolicy.nullable(),
  /** Epoch ms; null: never expires. */
  expiresAt: z.number().int().nullable(),
  revoked: z.boolean(),
});
export type KeyPolicy = z.infer<typeof KeyPolicy>;

/** The KV key (and database column) for a secret: sha256 hex. Secrets are long random strings, so no salt is needed. */
export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Per-model prices in USD per million tokens; local models may be priced too (to budget GPU time). */
export const ModelPrice = z.object({
  v: z.literal(1),
  model: z.string().min(1),
  inputPerMTokUsd: z.number().nonnegative(),
  outputPerMTokUsd: z.number().nonnegative(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export function costUsd(price: Pick<ModelPrice, "inputPerMTokUsd" | "outputPerMTokUsd"> | undefined, promptTokens: number, completionTokens: number): number {
  if (!price) return 0;
  return (promptTokens * price.inputPerMTokUsd + completionTokens * price.outputPerMTokUsd) / 1_000_000;
}

/** A live key's policy with no restriction at all, changed by `over`: what a new key starts from. */
export function unrestrictedKeyPolicy(keyId: string, over: Partial<KeyPolicy> = {}): KeyPolicy {
  return {
    v: 1,
    keyId,
    name: keyId,
    tags: [],
    allowedModels: null,
    allowedPaths: null,
    rateLimits: [],
    maxConcurrent: null,
    budget: null,
    cache: null,
    expiresAt: null,
    revoked: false,
    ...over,
  };
}
