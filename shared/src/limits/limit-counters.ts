import type { KeyPolicy } from "../contracts/index.js";
import { releaseLease, type LeaseGrant } from "./counter-leases.js";
import { currentCounters, type KeyCounters } from "./key-counters.js";
import { budgetPeriod, windowId, windowStart } from "./limit-periods.js";

/*
 * Admitting and settling requests against one key's counters. Every function here is pure: the
 * same state, operations and clock give the same answers on every gateway replica.
 */

/** What one admitted request holds until it is settled. */
export interface Reservation {
  id: string;
  /** What it added to each request window (0 for a model call of queued work, else 1). */
  requests: number;
  tokens: number;
  costUsd: number;
  /** Window starts at admission, by window id: a settlement only corrects the window it reserved in. */
  windowStarts: Record<string, number>;
  /** Budget period start at admission; null when the key has no budget. */
  spendStart: number | null;
  /** Set when it was taken from a lease this gateway holds (see `grantLease`) rather than the shared counters. */
  leaseId?: number;
}

export type Refusal =
  /** `requested`: what this admission would add to the window (1 request, or its tokens). */
  | { kind: "requests" | "tokens"; limit: number; windowSeconds: number; retryAfterSeconds: number; requested: number }
  | { kind: "concurrency"; limit: number; retryAfterSeconds: 1 }
  /** `spentUsd`: the period's spend so far, reservations of running requests included; `requestUsd`: what this one reserves. */
  | { kind: "budget"; amountUsd: number; retryAfterSeconds: number | null; spentUsd: number; requestUsd: number };

export interface AdmitRequest {
  policy: KeyPolicy;
  id: string;
  tokens: number;
  costUsd: number;
  /** How long a hold lives if nobody releases it. */
  holdMs: number;
  /**
   * `request` (the default): an HTTP request that generates; it counts in request windows and
   * takes a concurrency slot. `submission`: one that queues work run later (a task, a pipeline
   * run); it counts as a request but holds no slot, since its model calls take theirs.
   * `call`: a model call of such work; its tokens, cost and slot, but no request.
   */
  kind?: "request" | "submission" | "call";
}

/** Requests the admission adds to each request window. */
export const requestsCounted = (req: Pick<AdmitRequest, "kind">) => (req.kind === "call" ? 0 : 1);
const holdsSlot = (req: Pick<AdmitRequest, "kind">) => req.kind !== "submission";

export interface Usage {
  tokens: number;
  costUsd: number;
  /**
   * The request got nothing: the server failed it (or lost the admission's answer) before any
   * output. Its requests are given back too, so a failure of ours never uses up a key's requests.
   */
  unserved?: boolean;
}

export type CounterOp =
  | { kind: "admit"; request: AdmitRequest }
  | { kind: "settle"; reservation: Reservation; actual: Usage }
  | { kind: "release"; left: LeaseGrant };

export type OpOutcome = { ok: true; reservation?: Reservation } | { ok: false; refusal: Refusal };

const secondsUntil = (end: number, now: number) => Math.max(1, Math.ceil((end - now) / 1000));

/** The first limit the request would break if each limit were only `share` of what it is; null when it fits them all. */
function firstRefusal(next: KeyCounters, req: AdmitRequest, now: number, share: number): Refusal | null {
  const { policy } = req;
  if (policy.maxConcurrent !== null && holdsSlot(req) && Object.keys(next.held).length + 1 > policy.maxConcurrent * share) {
    return { kind: "concurrency", limit: policy.maxConcurrent, retryAfterSeconds: 1 };
  }
  const ordered = [...policy.rateLimits].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "requests" ? -1 : 1));
  for (const limit of ordered) {
    const start = windowStart(now, limit.windowSeconds);
    const used = next.windows[windowId(limit)]?.used ?? 0;
    const adding = limit.kind === "requests" ? requestsCounted(req) : req.tokens;
    if (adding > 0 && used + adding > limit.limit * share) {
      return {
        kind: limit.kind,
        limit: limit.limit,
        windowSeconds: limit.windowSeconds,
        retryAfterSeconds: secondsUntil(start + limit.windowSeconds * 1000, now),
        requested: adding,
      };
    }
  }
  if (policy.budget && next.spend) {
    const { usd } = next.spend;
    const amount = policy.budget.amountUsd * share;
    if (usd >= amount || usd + req.costUsd > amount) {
      const { end } = budgetPeriod(now, policy.budget.period);
      return {
        kind: "budget",
        amountUsd: policy.budget.amountUsd,
        retryAfterSeconds: Number.isFinite(end) ? secondsUntil(end, now) : null,
        spentUsd: usd,
        requestUsd: req.costUsd,
      };
    }
  }
  return null;
}

/**
 * Whether the request would fit with room to spare: within `share` of every limit, as `counters`
 * read. Not an admission (other replicas may have counted since): a hint that one is all but certain.
 */
export function fitsWithin(counters: KeyCounters, req: AdmitRequest, now: number, share: number): boolean {
  return firstRefusal(currentCounters(counters, req.policy, now), req, now, share) === null;
}

/** Admits one request against every limit of its key, or names the first limit it would break. */
export function admit(counters: KeyCounters, req: AdmitRequest, now: number): { counters: KeyCounters; outcome: OpOutcome } {
  const { policy } = req;
  const next = currentCounters(counters, policy, now);
  const refusal = firstRefusal(next, req, now, 1);
  if (refusal) return { counters: next, outcome: { ok: false, refusal } };

  const windowStarts: Record<string, number> = {};
  for (const limit of policy.rateLimits) {
    const id = windowId(limit);
    // Two limits on one window (a policy written by hand) share its counter: the request counts once.
    if (id in windowStarts) continue;
    const start = windowStart(now, limit.windowSeconds);
    const w = (next.windows[id] ??= { start, used: 0 });
    w.used += limit.kind === "requests" ? requestsCounted(req) : req.tokens;
    windowStarts[id] = start;
  }
  if (policy.maxConcurrent !== null && holdsSlot(req)) next.held[req.id] = now + req.holdMs;
  if (next.spend) next.spend.usd += req.costUsd;
  const reservation: Reservation = { id: req.id, requests: requestsCounted(req), tokens: req.tokens, costUsd: req.costUsd, windowStarts, spendStart: next.spend?.start ?? null };
  return { counters: next, outcome: { ok: true, reservation } };
}

/** Replaces a reservation by the real usage (and gives its requests back when it went unserved) and releases its hold; windows since rolled over are left alone. */
export function settle(counters: KeyCounters, reservation: Reservation, actual: Usage, now: number): KeyCounters {
  const next = currentCounters(counters, null, now);
  for (const [id, start] of Object.entries(reservation.windowStarts)) {
    const w = next.windows[id];
    if (!w || w.start !== start) continue;
    if (!id.startsWith("requests:")) w.used = Math.max(0, w.used + actual.tokens - reservation.tokens);
    else if (actual.unserved) w.used = Math.max(0, w.used - reservation.requests);
  }
  delete next.held[reservation.id];
  if (next.spend && reservation.spendStart === next.spend.start) {
    next.spend.usd = Math.max(0, next.spend.usd + actual.costUsd - reservation.costUsd);
  }
  return next;
}

/**
 * Applies a batch of queued operations in arrival order, each decided against the state the ones
 * before it left: the whole batch then goes into one compare-and-set.
 */
export function applyBatch(counters: KeyCounters, ops: readonly CounterOp[], now: number): { counters: KeyCounters; outcomes: OpOutcome[] } {
  let state = counters;
  const outcomes: OpOutcome[] = [];
  for (const op of ops) {
    if (op.kind === "admit") {
      const result = admit(state, op.request, now);
      state = result.counters;
      outcomes.push(result.outcome);
    } else if (op.kind === "settle") {
      state = settle(state, op.reservation, op.actual, now);
      outcomes.push({ ok: true });
    } else {
      state = releaseLease(state, op.left, now);
      outcomes.push({ ok: true });
    }
  }
  return { counters: state, outcomes };
}
