import type { KeyPolicy } from "../contracts/index.js";
import type { LeaseNeed } from "./counter-leases.js";
import { requestsCounted, type AdmitRequest, type OpOutcome, type Reservation, type Usage } from "./limit-counters.js";
import type { Lease, QueuedOp } from "./key-lane.js";

/*
 * What a gateway does in memory with a lease it holds: admit from it, settle into it, and size the
 * next one. Only the lease's own room changes here; the shared counters counted it whole.
 */

const isRequestWindow = (id: string) => id.startsWith("requests:");

/** Reserves the request in what is left of the lease; null when it does not fit. */
export function reserveInLease(lease: Lease, request: AdmitRequest): Reservation | null {
  const { left } = lease;
  const fits =
    Object.entries(left.windows).every(([id, w]) => w.amount >= (isRequestWindow(id) ? requestsCounted(request) : request.tokens)) &&
    (!left.spend || left.spend.usd >= request.costUsd);
  if (!fits) return null;
  const windowStarts: Record<string, number> = {};
  for (const [id, w] of Object.entries(left.windows)) {
    w.amount -= isRequestWindow(id) ? requestsCounted(request) : request.tokens;
    windowStarts[id] = w.start;
  }
  if (left.spend) left.spend.usd -= request.costUsd;
  lease.taken++;
  return { id: request.id, requests: requestsCounted(request), tokens: request.tokens, costUsd: request.costUsd, windowStarts, spendStart: left.spend?.start ?? null, leaseId: lease.id };
}

/**
 * Settles a reservation taken from this lease, while it lives, inside it: unused room goes back to
 * the lease, usage beyond the reservation comes out of it. False when it cannot (another or an ended
 * lease, or not that much left): then the shared counters are corrected instead.
 */
export function settleInLease(lease: Lease, reservation: Reservation, actual: Usage, now: number): boolean {
  const unusedTokens = reservation.tokens - actual.tokens;
  const unusedUsd = reservation.costUsd - actual.costUsd;
  const tokenWindows = Object.entries(lease.left.windows).filter(([id]) => !isRequestWindow(id));
  if (
    reservation.leaseId !== lease.id ||
    now >= lease.endsAt ||
    !tokenWindows.every(([, w]) => w.amount + unusedTokens >= 0) ||
    (lease.left.spend && lease.left.spend.usd + unusedUsd < 0)
  ) {
    return false;
  }
  for (const [, w] of tokenWindows) w.amount += unusedTokens;
  if (actual.unserved) for (const [id, w] of Object.entries(lease.left.windows)) if (isRequestWindow(id)) w.amount += reservation.requests;
  if (lease.left.spend) lease.left.spend.usd += unusedUsd;
  return true;
}

/**
 * What a lease taken along with this batch's write must hold: each request as much as the largest
 * admitted, under the policy they were admitted by; null when the batch admitted no request.
 */
export function leaseDemand(batch: readonly QueuedOp[], outcomes: readonly OpOutcome[]): { policy: KeyPolicy; need: LeaseNeed } | null {
  let policy: KeyPolicy | null = null;
  const need = { tokens: 0, costUsd: 0 };
  for (const [i, { op }] of batch.entries()) {
    // Queued work and its calls come one at a time: only requests come in runs worth a lease.
    if (op.kind !== "admit" || !outcomes[i]!.ok || (op.request.kind ?? "request") !== "request") continue;
    policy = op.request.policy;
    need.tokens = Math.max(need.tokens, op.request.tokens);
    need.costUsd = Math.max(need.costUsd, op.request.costUsd);
  }
  return policy ? { policy, need } : null;
}
