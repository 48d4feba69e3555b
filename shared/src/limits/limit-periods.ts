import type { BudgetPeriod, RateLimit } from "../contracts/index.js";

/** The counter a rate limit counts in: one per kind and window length. */
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
