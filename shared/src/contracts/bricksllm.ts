import { z } from "zod";

/*
 * BricksLLM's admin API shapes (keys, provider settings, events, problems), as BricksLLM's own
 * clients send and read them. The admin service's compatibility surface parses requests with these
 * and answers in them; tests read the answers with the same schemas. Fields BricksLLM has and
 * Lantern does not keep are accepted and answered with BricksLLM's zero values (docs/bricksllm.md).
 */

/** BricksLLM's error body on its admin routes (RFC 7807 style). */
export const BricksProblem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
});
export type BricksProblem = z.infer<typeof BricksProblem>;

export const BricksRateLimitUnit = z.enum(["s", "m", "h", "d"]);
export const BricksCostLimitUnit = z.enum(["m", "h", "d", "mo"]);

export const BricksPathConfig = z.object({ path: z.string().min(1), method: z.string().min(1) });
export type BricksPathConfig = z.infer<typeof BricksPathConfig>;

/** A Go duration (`720h`, `1h30m`, `90s`), as BricksLLM's `ttl` takes it. */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** Fields BricksLLM clients send that Lantern has no use for; read so they are not mistaken for errors. */
const ignoredKeyFields = {
  createdAt: z.number().optional(),
  updatedAt: z.number().optional(),
  shouldLogRequest: z.boolean().optional(),
  shouldLogResponse: z.boolean().optional(),
  rotationEnabled: z.boolean().optional(),
  policyId: z.string().optional(),
  isKeyNotHashed: z.boolean().optional(),
};

type LimitFields = {
  rateLimitOverTime?: number | undefined;
  rateLimitUnit?: string | undefined;
  costLimitInUsdOverTime?: number | undefined;
  costLimitInUsdUnit?: string | undefined;
};

/** BricksLLM's own pairing rules: an amount over time needs its unit, and a unit its amount. */
function checkPairs(key: LimitFields, ctx: z.RefinementCtx): void {
  const pairs = [
    ["rateLimitOverTime", key.rateLimitOverTime, "rateLimitUnit", key.rateLimitUnit],
    ["costLimitInUsdOverTime", key.costLimitInUsdOverTime, "costLimitInUsdUnit", key.costLimitInUsdUnit],
  ] as const;
  for (const [amountField, amount, unitField, unit] of pairs) {
    if (amount !== undefined && amount > 0 && !unit) ctx.addIssue({ code: "custom", path: [unitField], message: `can not be empty if ${amountField} is specified` });
    if (unit && !(amount !== undefined && amount > 0)) ctx.addIssue({ code: "custom", path: [amountField], message: `can not be empty if ${unitField} is specified` });
  }
}

const keyFields = {
  name: z.string().min(1).max(200),
  tags: z.array(z.string().min(1).max(100)).max(50),
  costLimitInUsd: z.number().nonnegative(),
  costLimitInUsdOverTime: z.number().nonnegative(),
  costLimitInUsdUnit: z.union([BricksCostLimitUnit, z.literal("")]),
  rateLimitOverTime: z.number().int().nonnegative(),
  rateLimitUnit: z.union([BricksRateLimitUnit, z.literal("")]),
  /** Empty: every path. Lantern checks the paths, not the methods. */
  allowedPaths: z.array(BricksPathConfig).max(100),
  /** Empty: every model. */
  allowedModels: z.array(z.string().min(1)).max(500),
  settingId: z.string(),
  settingIds: z.array(z.string().min(1)).max(50),
};

/** `PUT /api/key-management/keys`. */
export const BricksKeyCreate = z
  .object({
    ...keyFields,
    ...ignoredKeyFields,
    key: z.string().min(1).max(512),
    keyId: z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, "letters, digits, '.', '_', ':' and '-'").optional(),
    tags: keyFields.tags.default([]),
    costLimitInUsd: keyFields.costLimitInUsd.default(0),
    costLimitInUsdOverTime: keyFields.costLimitInUsdOverTime.default(0),
    costLimitInUsdUnit: keyFields.costLimitInUsdUnit.default(""),
    rateLimitOverTime: keyFields.rateLimitOverTime.default(0),
    rateLimitUnit: keyFields.rateLimitUnit.default(""),
    ttl: z.union([z.string().regex(GO_DURATION, "must be a Go duration such as 720h or 90m"), z.literal("")]).default(""),
    allowedPaths: keyFields.allowedPaths.default([]),
    allowedModels: keyFields.allowedModels.default([]),
    settingId: keyFields.settingId.default(""),
    settingIds: keyFields.settingIds.default([]),
    revoked: z.boolean().default(false),
  })
  .superRefine(checkPairs);
export type BricksKeyCreate = z.output<typeof BricksKeyCreate>;

/** `PATCH /api/key-management/keys/{keyId}`: fields left out stay as they are. */
export const BricksKeyUpdate = z
  .object({
    ...keyFields,
    ...ignoredKeyFields,
    revoked: z.boolean(),
    revokedReason: z.string(),
  })
  .partial()
  .superRefine(checkPairs);
export type BricksKeyUpdate = z.output<typeof BricksKeyUpdate>;

/** A key as BricksLLM answers it; `key` is the secret when just created, else only its first characters. */
export const BricksKey = z.object({
  name: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  tags: z.array(z.string()),
  keyId: z.string(),
  revoked: z.boolean(),
  key: z.string(),
  revokedReason: z.string(),
  costLimitInUsd: z.number(),
  costLimitInUsdOverTime: z.number(),
  costLimitInUsdUnit: z.string(),
  rateLimitOverTime: z.number().int(),
  rateLimitUnit: z.string(),
  ttl: z.string(),
  settingId: z.string(),
  allowedPaths: z.array(BricksPathConfig),
  allowedModels: z.array(z.string()),
  settingIds: z.array(z.string()),
  shouldLogRequest: z.boolean(),
  shouldLogResponse: z.boolean(),
  rotationEnabled: z.boolean(),
  policyId: z.string(),
  isKeyNotHashed: z.boolean(),
});
export type BricksKey = z.infer<typeof BricksKey>;

/** `PUT` (or `POST`) `/api/provider-settings`: `provider` is a kind (`openai`, `vllm`, ...) or a custom provider's name. */
export const BricksProviderSettingCreate = z.object({
  provider: z.string().min(1).max(63),
  name: z.string().max(200).optional(),
  /** `apikey` is sent upstream; `url` is the base URL of a `vllm` or custom provider. */
  setting: z.record(z.string(), z.string()).default({}),
  allowedModels: z.array(z.string().min(1)).max(500).optional(),
});
export type BricksProviderSettingCreate = z.output<typeof BricksProviderSettingCreate>;

/** A provider setting as BricksLLM answers it: `id` is what a key's `settingIds` names; secrets are never shown. */
export const BricksProviderSetting = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  setting: z.record(z.string(), z.string()),
  allowedModels: z.array(z.string()),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type BricksProviderSetting = z.infer<typeof BricksProviderSetting>;

/** One entry of `GET /api/events`; times are unix seconds. */
export const BricksEvent = z.object({
  id: z.string(),
  created_at: z.number().int(),
  tags: z.array(z.string()),
  key_id: z.string(),
  cost_in_usd: z.number(),
  provider: z.string(),
  model: z.string(),
  status: z.number().int(),
  prompt_token_count: z.number().int(),
  completion_token_count: z.number().int(),
  latency_in_ms: z.number().int(),
  path: z.string(),
  method: z.string(),
  custom_id: z.string(),
  request: z.null(),
  response: z.null(),
  userId: z.string(),
  action: z.string(),
  policyId: z.string(),
  routeId: z.string(),
  correlationId: z.string(),
  metadata: z.null(),
});
export type BricksEvent = z.infer<typeof BricksEvent>;

const UnixSeconds = z.string().regex(/^\d{1,12}$/, "must be unix seconds (int64)").transform(Number);

/** `GET /api/events` query: `keyIds` (repeated) with `start` and `end`, as BricksLLM requires them. */
export const BricksEventsQuery = z.object({
  keyIds: z.array(z.string().min(1)).min(1, "keyIds is required: Lantern's events carry no customId or userId"),
  start: UnixSeconds,
  end: UnixSeconds,
}).refine((q) => q.start < q.end, { path: ["end"], message: "start cannot be larger than end" });
export type BricksEventsQuery = z.output<typeof BricksEventsQuery>;
