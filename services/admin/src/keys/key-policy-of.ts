import type { KeyPolicy } from "@lantern/shared/contracts";
import type { KeyRow } from "./key-store.js";

/** What the gateways get to see of a key (KV `keys`, under its hash). */
export function keyPolicyOf(row: KeyRow): KeyPolicy {
  return {
    v: 1,
    keyId: row.id,
    name: row.name,
    tags: row.tags,
    allowedModels: row.allowedModels ?? null,
    allowedPaths: row.allowedPaths ?? null,
    rateLimits: row.rateLimits,
    maxConcurrent: row.maxConcurrent,
    budget: row.budget ?? null,
    cache: row.cache ?? null,
    expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
    revoked: row.revokedAt !== null,
  };
}
