import { z } from "zod";
import type { KeyPolicy } from "../contracts/index.js";
import { budgetPeriod, windowId, windowStart } from "./limit-periods.js";

/*
 * The counters of one key, as one KV entry in bucket `limits`, so that one compare-and-set admits
 * or refuses a request against all of the key's limits at once.
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
  /**
   * Ids of the last writes stored, newest last: a writer whose ack was lost with a NATS node finds
   * its own here. A clustered nats-server checks a repeat's expected revision before its message id,
   * so the repeat of a stored write is refused as a conflict instead of answered as a duplicate.
   */
  writes: z.array(z.string()).optional(),
});
export type KeyCounters = z.infer<typeof KeyCounters>;

export const emptyCounters = (): KeyCounters => ({ v: 1, windows: {}, held: {}, spend: null });

/**
 * Drops lapsed holds and windows or spend of past periods: what the entry would read as now. With a
 * policy, also drops windows it no longer limits and starts the spend of its budget's period.
 */
export function currentCounters(counters: KeyCounters, policy: KeyPolicy | null, now: number): KeyCounters {
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

/** A key needs shared counters only when its policy limits something. */
export const hasLimits = (policy: KeyPolicy) => policy.rateLimits.length > 0 || policy.maxConcurrent !== null || policy.budget !== null;
