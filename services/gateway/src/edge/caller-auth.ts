import type { KeyPolicy } from "@lantern/shared/contracts";
import { expiredApiKey, missingApiKey, pathNotAllowed, revokedApiKey, unknownApiKey } from "./edge-errors.js";
import type { KeyStore } from "@lantern/shared/limits";

/**
 * `auto`: open while no key exists, keys required once one does (revoked and expired ones
 * included: the last key revoked or expired does not open the gateway). `required`: always.
 * `off`: never required (local use only); a valid key still gets its policy applied.
 */
export type AuthMode = "auto" | "required" | "off";

export interface Authenticated {
  /** The key's hash (its KV key), or null when the request runs open. */
  keyHash: string | null;
  policy: KeyPolicy | null;
}

const OPEN: Authenticated = { keyHash: null, policy: null };

export function bearerSecret(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : null;
}

/**
 * The key a request presents, as an Authorization value: `Authorization: Bearer`, else Anthropic's
 * `x-api-key` header (what Anthropic's SDKs send).
 */
export function presentedKey(authorization: string | undefined, apiKey: string | string[] | undefined): string | undefined {
  if (authorization) return authorization;
  const key = (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim();
  return key ? `Bearer ${key}` : undefined;
}

const CUSTOM_PROVIDER_PATH = /^\/api\/custom\/providers\/[^/]+(\/.+)$/;

/**
 * `allowedPaths` entries match exactly, or as a prefix when they end in `*`. A custom provider's
 * call also matches by its path below the provider (`/chat/completions`), as BricksLLM keys name it.
 */
function pathAllowed(policy: KeyPolicy, path: string): boolean {
  if (policy.allowedPaths === null) return true;
  const below = CUSTOM_PROVIDER_PATH.exec(path)?.[1];
  const matches = (candidate: string, allowed: string) => (allowed.endsWith("*") ? candidate.startsWith(allowed.slice(0, -1)) : candidate === allowed);
  return policy.allowedPaths.some((allowed) => matches(path, allowed) || (below !== undefined && matches(below, allowed)));
}

export function modelAllowed(policy: KeyPolicy | null, model: string): boolean {
  return !policy || policy.allowedModels === null || policy.allowedModels.includes(model);
}

const keysRequired = (store: KeyStore, mode: AuthMode) => mode === "required" || (mode === "auto" && store.hasKeys());

/**
 * Reads a presented key that the store's mirror does not know from KV itself, before
 * `authenticate` decides: a key created a moment ago, or while the mirror's watch was lost with a
 * NATS node, is then known, not refused as incorrect.
 */
export async function learnPresentedKey(store: KeyStore, mode: AuthMode, authorization: string | undefined, now = Date.now()): Promise<void> {
  const secret = bearerSecret(authorization);
  if (secret !== null && keysRequired(store, mode)) await store.lookupStored(secret, now);
}

/** Who calls, from the Authorization header; throws the 401 the caller gets otherwise. */
export function authenticate(store: KeyStore, mode: AuthMode, authorization: string | undefined, now = Date.now()): Authenticated {
  const required = keysRequired(store, mode);
  const secret = bearerSecret(authorization);
  if (secret === null) {
    if (required) throw missingApiKey();
    return OPEN;
  }
  const found = store.lookup(secret, now);
  if (!found.found) {
    // Open mode: clients often send a placeholder key; it is not an error.
    if (required) throw unknownApiKey();
    return OPEN;
  }
  if (found.state !== "live") {
    if (mode === "off") return OPEN;
    throw found.state === "revoked" ? revokedApiKey() : expiredApiKey();
  }
  return { keyHash: found.hash, policy: found.policy };
}

/** Throws 403 when the key may not use this path. */
export function ensurePathAllowed(who: Authenticated, path: string): void {
  if (who.policy && !pathAllowed(who.policy, path)) throw pathNotAllowed(path);
}
