import type { KeyPolicy } from "../contracts/index.js";
import type { Lane } from "./key-lane.js";
import { windowId, windowStart } from "./limit-periods.js";

/** Where one rate limit of a key stands, as one gateway sees it. */
export interface LimitStanding {
  kind: "requests" | "tokens";
  limit: number;
  /** Room left in the current window: the shared counters as last seen, plus this gateway's unused lease. */
  remaining: number;
  /** Until the window ends. */
  resetMs: number;
}

/** Each of the policy's rate limits as the lane's counters (and live lease) have them at `now`. */
export function standingOf(lane: Lane, policy: KeyPolicy, now: number): LimitStanding[] {
  const lease = lane.lease && now < lane.lease.endsAt ? lane.lease : null;
  return policy.rateLimits.map((limit) => {
    const id = windowId(limit);
    const start = windowStart(now, limit.windowSeconds);
    const counted = lane.counters.windows[id];
    const used = counted && counted.start === start ? counted.used : 0;
    const leased = lease?.left.windows[id];
    const unusedLease = leased && leased.start === start ? leased.amount : 0;
    const remaining = Math.max(0, Math.min(limit.limit, limit.limit - used + unusedLease));
    return { kind: limit.kind, limit: limit.limit, remaining, resetMs: start + limit.windowSeconds * 1000 - now };
  });
}
