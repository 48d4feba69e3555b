import type { BricksKey, BricksKeyCreate, BricksKeyUpdate, Budget, KeyUpdate, RateLimit } from "@lantern/shared/contracts";
import type { KeyRow } from "../../keys/key-store.js";
import { goDurationMs, goDurationOfSeconds } from "./go-duration.js";
import { validationProblem } from "./problem.js";

/*
 * BricksLLM's key fields onto Lantern's key policy and back. BricksLLM keeps one request rate
 * limit and one cost limit per key; Lantern keeps a list of windows and one budget, so the mapping
 * is exact one way and reads back what BricksLLM can express the other.
 */

const RATE_WINDOW_S = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
const BUDGET_PERIOD = { h: "hour", d: "day", mo: "month" } as const;
const KEY_TITLE = "key validation failed";

type CostFields = Pick<BricksKeyUpdate, "costLimitInUsd" | "costLimitInUsdOverTime" | "costLimitInUsdUnit">;
type RateFields = Pick<BricksKeyUpdate, "rateLimitOverTime" | "rateLimitUnit">;

/** BricksLLM's rate limit as Lantern's window; none for 0. */
function requestWindow({ rateLimitOverTime, rateLimitUnit }: RateFields): RateLimit[] {
  if (!rateLimitOverTime || !rateLimitUnit) return [];
  return [{ kind: "requests", limit: rateLimitOverTime, windowSeconds: RATE_WINDOW_S[rateLimitUnit] }];
}

/** BricksLLM's cost limits as Lantern's one budget: in total, or per hour, day or month. */
function budgetOf({ costLimitInUsd, costLimitInUsdOverTime, costLimitInUsdUnit }: CostFields): Budget | null {
  if (costLimitInUsd && costLimitInUsdOverTime) {
    throw validationProblem(KEY_TITLE, "Lantern keeps one budget per key: give costLimitInUsd (in total) or costLimitInUsdOverTime (per unit), not both");
  }
  if (costLimitInUsdOverTime && costLimitInUsdUnit) {
    if (costLimitInUsdUnit === "m") throw validationProblem(KEY_TITLE, "costLimitInUsdUnit 'm': Lantern's budgets run per hour (h), day (d) or month (mo)");
    return { amountUsd: costLimitInUsdOverTime, period: BUDGET_PERIOD[costLimitInUsdUnit] };
  }
  return costLimitInUsd ? { amountUsd: costLimitInUsd, period: "total" } : null;
}

const pathsOf = (paths: BricksKeyCreate["allowedPaths"]) => (paths.length === 0 ? null : [...new Set(paths.map((p) => p.path))]);
const modelsOf = (models: string[]) => (models.length === 0 ? null : models);

/** The settings a key names: BricksLLM's `settingId` or `settingIds`, as it takes either. */
export const settingIdsOf = (key: Pick<BricksKeyUpdate, "settingId" | "settingIds">): string[] => [
  ...(key.settingId ? [key.settingId] : []),
  ...(key.settingIds ?? []),
];

/** The body Lantern's own key creation takes (checked by its schema after this). */
export function keyCreateOf(key: BricksKeyCreate, now = Date.now()) {
  const ttlMs = key.ttl ? goDurationMs(key.ttl) : undefined;
  return {
    name: key.name,
    tags: key.tags,
    key: key.key,
    allowedModels: modelsOf(key.allowedModels),
    allowedPaths: pathsOf(key.allowedPaths),
    rateLimits: requestWindow(key),
    budget: budgetOf(key),
    expiresAt: ttlMs === undefined ? null : new Date(now + ttlMs).toISOString(),
  };
}

/** A BricksLLM update as Lantern's; the other windows a key may carry (tokens, ...) are kept. */
export function keyUpdateOf(update: BricksKeyUpdate, current: KeyRow): KeyUpdate {
  const patch: KeyUpdate = {};
  if (update.name !== undefined) patch.name = update.name;
  if (update.tags !== undefined) patch.tags = update.tags;
  if (update.allowedModels !== undefined) patch.allowedModels = modelsOf(update.allowedModels);
  if (update.allowedPaths !== undefined) patch.allowedPaths = pathsOf(update.allowedPaths);
  if (update.rateLimitOverTime !== undefined) {
    const others = current.rateLimits.filter((limit) => limit.kind !== "requests");
    patch.rateLimits = [...others, ...requestWindow(update)];
  }
  if (update.costLimitInUsd !== undefined || update.costLimitInUsdOverTime !== undefined) patch.budget = budgetOf(update);
  if (update.revoked === false && current.revokedAt !== null) {
    throw validationProblem(KEY_TITLE, "revoked: a revoked Lantern key stays revoked; create another key");
  }
  return patch;
}

const UNIT_OF_WINDOW = new Map<number, string>(Object.entries(RATE_WINDOW_S).map(([unit, seconds]) => [seconds, unit]));
const UNIT_OF_PERIOD = new Map<string, string>(Object.entries(BUDGET_PERIOD).map(([unit, period]) => [period, unit]));
const unixSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

/** A Lantern key as BricksLLM shows it; `secret` only in the answer that created it. */
export function bricksKeyOf(row: KeyRow, secret?: string, now = Date.now()): BricksKey {
  const rate = row.rateLimits.find((limit) => limit.kind === "requests" && UNIT_OF_WINDOW.has(limit.windowSeconds));
  const budget = row.budget;
  const periodUnit = budget && budget.period !== "total" ? UNIT_OF_PERIOD.get(budget.period) : undefined;
  const expired = row.expiresAt !== null && row.expiresAt.getTime() <= now;
  return {
    name: row.name,
    createdAt: unixSeconds(row.createdAt),
    updatedAt: unixSeconds(row.updatedAt),
    tags: row.tags,
    keyId: row.id,
    // As BricksLLM does, a key past its ttl reads as revoked, for that reason.
    revoked: row.revokedAt !== null || expired,
    key: secret ?? row.keyPrefix,
    revokedReason: row.revokedAt === null && expired ? "expired" : "",
    costLimitInUsd: budget?.period === "total" ? budget.amountUsd : 0,
    costLimitInUsdOverTime: periodUnit ? budget!.amountUsd : 0,
    costLimitInUsdUnit: periodUnit ?? "",
    rateLimitOverTime: rate?.limit ?? 0,
    rateLimitUnit: rate ? UNIT_OF_WINDOW.get(rate.windowSeconds)! : "",
    ttl: row.expiresAt ? goDurationOfSeconds((row.expiresAt.getTime() - row.createdAt.getTime()) / 1000) : "",
    settingId: "",
    // Lantern checks a key's paths, not its methods.
    allowedPaths: (row.allowedPaths ?? []).map((path) => ({ path, method: "*" })),
    allowedModels: row.allowedModels ?? [],
    settingIds: [],
    shouldLogRequest: false,
    shouldLogResponse: false,
    rotationEnabled: false,
    policyId: "",
    isKeyNotHashed: false,
  };
}
