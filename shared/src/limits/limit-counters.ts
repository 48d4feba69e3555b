import { z } from "zod";
import type { BudgetPeriod, KeyPolicy, RateLimit } from "../contracts/index.js";

/*
 * The counters of one key, as one KV entry in bucket `limits`, so that one compare-and-set admits
 * or refuses a request against all of the key's limits at once. Every function here is pure: the
 * same state, operations and clock give the same answers on every gateway replica.
 */

const WindowCount = z.object({
  /** Epoch ms where the counted window began. */
  start: z.number().int(),
  used: z.number().nonnegative(),
});

export const KeyCounters = z.object({
  v: z.literal(1),
  /** By `windowId(limit)`. */
  windows: z.record(z.string(), WindowCount),
  /** Requests in flight: reservation id → epoch ms after which the hold lapses (its gateway died). */
  held: z.record(z.string(), z.number().int()),
  /** Spend in the budget's current period (reservations included). */
  spend: z.object({ start: z.number().int(), usd: z.number().nonnegative() }).nullable(),
});
export type KeyCounters = z.infer<typeof KeyCounters>;

export const emptyCounters = (): KeyCounters => ({ v: 1, windows: {}, held: {}, spend: null });

export const windowId = (limit: Pick<RateLimit, "kind" | "windowSeconds">) => `${limit.kind}:${limit.windowSeconds}`;

/** Fixed windows aligned to the epoch: every replica agrees where a window starts. */
export function windowStart(now: number, windowSeconds: number): number {
  const ms = windowSeconds * 1000;
  return Math.floor(now / ms) * ms;
}

/** Start and end (exclusive) of the UTC calendar period holding `now`; `total` spans all time. */
export function budgetPeriod(now: number, period: BudgetPeriod): { start: number; end: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (period) {
    case "hour": {
      const start = windowStart(now, 3600);
      return { start, end: start + 3_600_000 };
    }
    case "day": {
      const start = Date.UTC(y, m, day);
      return { start, end: start + 86_400_000 };
    }
    case "week": {
      // ISO weeks: Monday 00:00 UTC.
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      const start = Date.UTC(y, m, day - sinceMonday);
      return { start, end: start + 7 * 86_400_000 };
    }
    case "month":
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
    case "total":
      return { start: 0, end: Number.POSITIVE_INFINITY };
  }
}

/** What one admitted request holds until it is settled. */
export interface Reservation {
  id: string;
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
}

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
export const LEASE_SHARE = 1 / 16;
/** A lease too small for this many requests is not worth taking: near a limit every admission is decided in the shared counters. */
export const LEASE_MIN_REQUESTS = 2;

export type CounterOp =
  | { kind: "admit"; request: AdmitRequest }
  | { kind: "settle"; reservation: Reservation; actual: Usage }
  | { kind: "release"; left: LeaseGrant };

export type OpOutcome = { ok: true; reservation?: Reservation } | { ok: false; refusal: Refusal };

const secondsUntil = (end: number, now: number) => Math.max(1, Math.ceil((end - now) / 1000));

/** Drops lapsed holds and windows or spend of past periods: what the entry would read as now. */
function current(counters: KeyCounters, policy: KeyPolicy | null, now: number): KeyCounters {
  const windows: KeyCounters["windows"] = {};
  for (const [id, w] of Object.entries(counters.windows)) {
    const seconds = Number(id.slice(id.indexOf(":") + 1));
    if (windowStart(now, seconds) !== w.start) continue;
    if (policy && !policy.rateLimits.some((l) => windowId(l) === id)) continue;
    windows[id] = { ...w };
  }
  const held: KeyCounters["held"] = {};
  for (const [id, until] of Object.entries(counters.held)) if (until > now) held[id] = until;
  let spend = counters.spend ? { ...counters.spend } : null;
  if (policy) {
    const start = policy.budget ? budgetPeriod(now, policy.budget.period).start : null;
    spend = start === null ? null : spend && spend.start === start ? spend : { start, usd: 0 };
  }
  return { v: 1, windows, held, spend };
}

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
  return firstRefusal(current(counters, req.policy, now), req, now, share) === null;
}

/** Admits one request against every limit of its key, or names the first limit it would break. */
export function admit(counters: KeyCounters, req: AdmitRequest, now: number): { counters: KeyCounters; outcome: OpOutcome } {
  const { policy } = req;
  const next = current(counters, policy, now);
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
  const reservation: Reservation = { id: req.id, tokens: req.tokens, costUsd: req.costUsd, windowStarts, spendStart: next.spend?.start ?? null };
  return { counters: next, outcome: { ok: true, reservation } };
}

/** Replaces a reservation by the real usage and releases its hold; windows since rolled over are left alone. */
export function settle(counters: KeyCounters, reservation: Reservation, actual: Usage, now: number): KeyCounters {
  const next = current(counters, null, now);
  for (const [id, start] of Object.entries(reservation.windowStarts)) {
    const w = next.windows[id];
    if (!w || w.start !== start || id.startsWith("requests:")) continue;
    w.used = Math.max(0, w.used + actual.tokens - reservation.tokens);
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
  const next = current(counters, policy, now);
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
  const next = current(counters, null, now);
  for (const [id, { start, amount }] of Object.entries(left.windows)) {
    const w = next.windows[id];
    if (w && w.start === start) w.used = Math.max(0, w.used - amount);
  }
  if (next.spend && left.spend && next.spend.start === left.spend.start) next.spend.usd = Math.max(0, next.spend.usd - left.spend.usd);
  return next;
}

/** A key needs shared counters only when its policy limits something. */
export const hasLimits = (policy: KeyPolicy) => policy.rateLimits.length > 0 || policy.maxConcurrent !== null || policy.budget !== null;
