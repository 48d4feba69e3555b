import type { KeyPolicy } from "../contracts/index.js";
import { currentCounters, hasLimits, type KeyCounters } from "./key-counters.js";
import { budgetPeriod, windowId, windowStart } from "./limit-periods.js";

/**
 * Room taken from the shared counters by one gateway at once, to admit from in memory: for each
 * rate-limit window its start and amount, and an amount of the budget's period. What is left of
 * it when the lease ends is given back (`releaseLease`).
 */
export interface LeaseGrant {
  windows: Record<string, { start: number; amount: number }>;
  spend: { start: number; usd: number } | null;
}

/** What one request needs of each kind of limit. */
export interface LeaseNeed {
  tokens: number;
  costUsd: number;
}

/** A lease takes at most this share of the room each limit has left, so replicas always leave room to each other. */
const LEASE_SHARE = 1 / 16;
/** A lease too small for this many requests is not worth taking: near a limit every admission is decided in the shared counters. */
const LEASE_MIN_REQUESTS = 2;

/**
 * Takes a lease for up to `requests` requests of `need` each, within `LEASE_SHARE` of what every
 * limit has left; null when the key limits concurrency (holds are per request) or when the room
 * left is too small for `LEASE_MIN_REQUESTS`. The lease ends with the first window or period it
 * spans: `endsAt` says when.
 */
export function grantLease(
  counters: KeyCounters,
  policy: KeyPolicy,
  need: LeaseNeed,
  requests: number,
  now: number,
): { counters: KeyCounters; grant: LeaseGrant; endsAt: number } | null {
  if (policy.maxConcurrent !== null || !hasLimits(policy)) return null;
  const next = currentCounters(counters, policy, now);
  const grant: LeaseGrant = { windows: {}, spend: null };
  let endsAt = Number.POSITIVE_INFINITY;
  for (const limit of policy.rateLimits) {
    const id = windowId(limit);
    const start = windowStart(now, limit.windowSeconds);
    const perRequest = limit.kind === "requests" ? 1 : need.tokens;
    const left = limit.limit - (next.windows[id]?.used ?? 0);
    const amount = Math.min(Math.floor(left * LEASE_SHARE), perRequest * requests);
    if (amount < perRequest * LEASE_MIN_REQUESTS) return null;
    grant.windows[id] = { start, amount: grant.windows[id] ? Math.min(grant.windows[id].amount, amount) : amount };
    endsAt = Math.min(endsAt, start + limit.windowSeconds * 1000);
  }
  if (policy.budget && next.spend) {
    const left = policy.budget.amountUsd - next.spend.usd;
    const usd = Math.min(left * LEASE_SHARE, need.costUsd * requests);
    if (usd < need.costUsd * LEASE_MIN_REQUESTS || usd < 0) return null;
    grant.spend = { start: next.spend.start, usd };
    endsAt = Math.min(endsAt, budgetPeriod(now, policy.budget.period).end);
  }
  for (const [id, { start, amount }] of Object.entries(grant.windows)) {
    const w = (next.windows[id] ??= { start, used: 0 });
    w.used += amount;
  }
  if (next.spend && grant.spend) next.spend.usd += grant.spend.usd;
  return { counters: next, grant, endsAt };
}

/** Gives back what is left of a lease; windows and periods since rolled over are left alone. */
export function releaseLease(counters: KeyCounters, left: LeaseGrant, now: number): KeyCounters {
  const next = currentCounters(counters, null, now);
  for (const [id, { start, amount }] of Object.entries(left.windows)) {
    const w = next.windows[id];
    if (w && w.start === start) w.used = Math.max(0, w.used - amount);
  }
  if (next.spend && left.spend && next.spend.start === left.spend.start) next.spend.usd = Math.max(0, next.spend.usd - left.spend.usd);
  return next;
}
