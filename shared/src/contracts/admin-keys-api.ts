import { z } from "zod";
import { Budget, CachePolicy, RateLimit } from "./key-policy.js";

/*
 * The admin service's key management API (`/api/key-management/keys`), as it reads and answers:
 * the admin service validates with these and documents them (`meta` feeds its OpenAPI document),
 * the web app types its calls by them.
 */

const Timestamp = z.iso.datetime({ offset: true }).meta({ example: "2030-01-01T00:00:00.000Z" });
const Tag = z.string().min(1).max(100);
const PathPattern = z.string().regex(/^\/[^\s*]*\*?$/, "paths start with '/' and hold no '*' but a trailing one, which matches a prefix");

/** One limit per kind and window: two on the same window would only hide which one holds. */
const RateLimits = z
  .array(RateLimit)
  .max(10)
  .superRefine((limits, ctx) => {
    limits.forEach((limit, i) => {
      const first = limits.findIndex((other) => other.kind === limit.kind && other.windowSeconds === limit.windowSeconds);
      if (first < i) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `repeats the ${limit.kind} limit per ${limit.windowSeconds} s of rateLimits[${first}]; give one limit per kind and window`,
        });
      }
    });
  });

/** The policy fields a key is created with and may later change. */
const policyFields = {
  name: z.string().min(1).max(200).meta({ example: "team-a" }),
  tags: z.array(Tag).max(50),
  /** null: every model. */
  allowedModels: z.array(z.string().min(1)).max(500).nullable().meta({ description: "Exact model names; null allows every model.", example: ["stories260K"] }),
  allowedPaths: z.array(PathPattern).max(100).nullable().meta({ description: "`/v1` paths; a trailing `*` matches a prefix; null allows every path.", example: ["/v1/chat/*"] }),
  rateLimits: RateLimits.meta({ description: "Fixed windows; several allowed, e.g. per minute and per day.", example: [{ kind: "requests", limit: 60, windowSeconds: 60 }] }),
  maxConcurrent: z.number().int().positive().max(100_000).nullable(),
  budget: Budget.nullable().meta({ example: { amountUsd: 10, period: "month" } }),
  cache: CachePolicy.nullable().meta({ example: { ttlSeconds: 3600 } }),
  expiresAt: Timestamp.nullable().meta({ description: "After this instant the key is refused; null: never expires." }),
};

export const KeyCreate = z
  .strictObject({
    ...policyFields,
    tags: policyFields.tags.default([]),
    allowedModels: policyFields.allowedModels.default(null),
    allowedPaths: policyFields.allowedPaths.default(null),
    rateLimits: policyFields.rateLimits.default([]),
    maxConcurrent: policyFields.maxConcurrent.default(null),
    budget: policyFields.budget.default(null),
    cache: policyFields.cache.default(null),
    // A key created expired could never be used: that is a mistake. (An update may set a past
    // expiry, to end a key at once.)
    expiresAt: policyFields.expiresAt
      .refine((at) => at === null || Date.parse(at) > Date.now(), "is in the past: a key created expired could never be used")
      .default(null),
    key: z
      .string()
      .min(16)
      .max(512)
      .regex(/^\S+$/, "a key has no whitespace")
      .optional()
      .meta({ description: "Use this secret instead of a generated one (e.g. migrating existing keys)." }),
  })
  .meta({ id: "KeyCreate" });
export type KeyCreate = z.output<typeof KeyCreate>;

export const KeyUpdate = z.strictObject(policyFields).partial().meta({ id: "KeyUpdate" });
export type KeyUpdate = z.output<typeof KeyUpdate>;

/** A key as the API shows it: never the secret nor its hash, only a prefix to tell keys apart. */
export const KeyView = z
  .object({
    id: z.string().meta({ example: "key_3hT9..." }),
    keyPrefix: z.string().meta({ example: "lk-4fQz" }),
    ...policyFields,
    revoked: z.boolean(),
    revokedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Key" });
export type KeyView = z.output<typeof KeyView>;

export const CreatedKey = KeyView.extend({
  key: z.string().meta({ description: "The secret. Shown here once; only its hash is stored." }),
}).meta({ id: "CreatedKey" });
export type CreatedKey = z.output<typeof CreatedKey>;

export const KeyList = z.object({ data: z.array(KeyView), total: z.number().int() }).meta({ id: "KeyList" });
export type KeyList = z.output<typeof KeyList>;

const booleanQuery = z.enum(["true", "false"]).transform((v) => v === "true");

export const KeyListQuery = z.strictObject({
  tag: z.string().min(1).optional().meta({ description: "Only keys carrying this tag." }),
  name: z.string().min(1).optional().meta({ description: "Only keys whose name contains this (case-insensitive)." }),
  revoked: booleanQuery.optional().meta({ description: "true: only revoked keys; false: only live ones; absent: both.", type: "string", enum: ["true", "false"] }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type KeyListQuery = z.output<typeof KeyListQuery>;
