import { HttpHeader } from "@lantern/shared/contracts";
import type { Context } from "hono";
import { invalidRequest } from "../errors/api-error.js";
import type { Caller } from "../context/request-ledger.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { requestHeader } from "../context/request-header.js";
import { cacheKey } from "./cache-key.js";

export const CACHE_HEADER = HttpHeader.cache;

/** What a client may ask of the cache: replay even a sampled answer, or skip the cache. */
const CacheRequest = { force: "force", bypass: "bypass" } as const;

export interface CacheDecision {
  key: string;
  /** The caller's TTL: what it stores lives this long, and it takes no answer older than this. */
  ttlMs: number;
  /** The request's id, for the cache's log lines about it. */
  requestId: string;
}

interface CacheQuestion {
  /** Where the request goes (endpoint, and provider on the custom path): part of the key. */
  scope: string;
  request: Record<string, unknown>;
  /** The TTL without a key (`GATEWAY_CACHE_TTL_S`); 0: off. */
  openTtlSeconds: number;
}

/**
 * Whether this request may be answered from, and stored in, the cache: only when a TTL applies
 * (the key policy's, or the open-mode setting when there is no key) and the answer is
 * deterministic (temperature 0 or a seed) or the client forces it; never with `bypass`.
 */
export function cacheDecision(c: Context<GatewayEnv>, question: CacheQuestion): CacheDecision | undefined {
  const asked = requestHeader(c, CACHE_HEADER)?.trim().toLowerCase();
  if (asked !== undefined && asked !== CacheRequest.force && asked !== CacheRequest.bypass) {
    throw invalidRequest(`The ${CACHE_HEADER} header must be '${CacheRequest.force}' or '${CacheRequest.bypass}'.`, null, "invalid_value");
  }
  if (asked === CacheRequest.bypass) return undefined;
  return decideCaching(c.get("ledger").caller, c.get("requestId"), question, asked === CacheRequest.force);
}

/** The decision for a caller and a request, whatever carried it (an HTTP request, a chat on a socket). */
export function decideCaching(caller: Caller, requestId: string, { scope, request, openTtlSeconds }: CacheQuestion, forced = false): CacheDecision | undefined {
  const ttlSeconds = caller.keyId !== null ? (caller.policy?.cache?.ttlSeconds ?? 0) : openTtlSeconds;
  if (ttlSeconds <= 0) return undefined;
  const deterministic = request.temperature === 0 || typeof request.seed === "number";
  if (!deterministic && !forced) return undefined;
  return { key: cacheKey(caller.keyId, scope, request), ttlMs: ttlSeconds * 1000, requestId };
}
