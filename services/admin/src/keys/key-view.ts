import type { KeyView } from "@lantern/shared/contracts";
import type { KeyRow } from "./key-store.js";

/** The API's view of a key: everything but the secret and its hash. */
export function keyView(row: KeyRow): KeyView {
  return {
    id: row.id,
    keyPrefix: row.keyPrefix,
    name: row.name,
    tags: row.tags,
    allowedModels: row.allowedModels ?? null,
    allowedPaths: row.allowedPaths ?? null,
    rateLimits: row.rateLimits,
    maxConcurrent: row.maxConcurrent,
    budget: row.budget ?? null,
    cache: row.cache ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revoked: row.revokedAt !== null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
