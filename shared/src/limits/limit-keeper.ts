import type { KV } from "@nats-io/kv";
import type { KeyPolicy } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { counterWrite, isRevisionConflict, readCounters, storeCounterWrite, type CounterWrite } from "./counter-entry.js";
import { grantLease, type LeaseGrant } from "./counter-leases.js";
import { inDoubtWrite, settleInDoubt } from "./in-doubt-writes.js";
import { leaseDemand, reserveInLease, settleInLease } from "./held-lease.js";
import type { KeyCounters } from "./key-counters.js";
import { newLane, nextLeaseRequests, type Lane, type Lease, type QueuedOp } from "./key-lane.js";
import { applyBatch, fitsWithin, type AdmitRequest, type CounterOp, type OpOutcome, type Reservation, type Usage } from "./limit-counters.js";
import { standingOf, type LimitStanding } from "./limit-standing.js";

export class LimitsUnavailableError extends Error {
  override name = "LimitsUnavailableError";
}

/**
 * How long a settlement waits for other operations on its key before it is written. A client
 * calling one request after another sends the next within this: its admission and the previous
 * settlement then share one compare-and-set, instead of the admission waiting behind the
 * settlement's write. Settling later only holds the reservation a little longer (stricter, never looser).
 */
const SETTLE_LINGER_MS = 2;

/**
 * `hasRoom` trusts counters confirmed this recently, and only for a request that fits within this
 * share of every limit: then another replica would have to use up the rest in that time for the
 * admission to fail.
 */
const ROOM_FRESH_MS = 5_000;
const ROOM_SHARE = 0.5;

/**
 * A lease lives this long at most; what is left then goes back to the shared counters, so a lease
 * a replica no longer uses keeps room from the others for no longer than this.
 */
const LEASE_TTL_MS = 1_000;

interface LimitKeeperOptions {
  limits: KV;
  logger: Logger;
  /** How long a settlement that cannot reach NATS waits before it is tried again (it doubles up to 5 s). */
  retryMs?: number;
  now?: () => number;
}

/**
 * Shared per-key counters in KV `limits`, exact across gateway replicas through compare-and-set.
 * Operations for one key queued on this gateway are group-committed: each queued admission is
 * decided in order against the current state, and the whole batch is written by one CAS on the
 * revision last seen. On a revision conflict (another replica wrote) the entry is re-read and the
 * batch re-decided. Admissions fail fast when NATS is unreachable; settlements are retried in the
 * background until they land.
 *
 * Far from its limits, a key is admitted from a lease: a commit that admits also takes a slice of
 * the room left (`grantLease`: at most 1/16 of it, sized to the demand seen), and the requests that
 * follow reserve from that slice in memory, with no round trip, until it runs out or ends (1 s,
 * or the end of a window), when what is left goes back. Counters never admit past a limit: a lease
 * is counted as used while held. Near a limit no lease is taken and every admission is decided in
 * the shared counters. A gateway that dies holding a lease leaves its rest counted until the
 * window (or budget period) ends: stricter, never looser.
 */
export class LimitKeeper {
  private readonly lanes = new Map<string, Lane>();
  private leaseIds = 0;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly opts: LimitKeeperOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Whether `request` fits well within the key's limits as this gateway last saw them (recently):
   * a hint that its admission is all but certain, so work may start while it is decided. Never
   * an admission.
   */
  hasRoom(counterKey: string, request: AdmitRequest): boolean {
    const lane = this.lanes.get(counterKey);
    const now = this.now();
    if (!lane?.known || now - lane.seenAt > ROOM_FRESH_MS) return false;
    return fitsWithin(lane.counters, request, now, ROOM_SHARE);
  }

  /**
   * Where each of the key's rate limits stands, from what this gateway last saw of the shared
   * counters (other replicas' leases count as used): what a client is told, not a promise. Empty
   * while the key's counters are unknown here.
   */
  standing(counterKey: string, policy: KeyPolicy): LimitStanding[] {
    const lane = this.lanes.get(counterKey);
    if (!lane?.known) return [];
    return standingOf(lane, policy, this.now());
  }

  /** Admits from this gateway's lease on the key, in memory; null when that takes the shared counters. */
  admitFromLease(counterKey: string, request: AdmitRequest): Reservation | null {
    const lane = this.lanes.get(counterKey);
    const lease = lane?.lease;
    if (!lane || !lease) return null;
    if (this.now() >= lease.endsAt || lease.policy !== request.policy) {
      this.endLease(counterKey, lane);
      return null;
    }
    const reservation = reserveInLease(lease, request);
    if (!reservation) {
      // Ended now, so the admission that follows takes a new one, sized for more.
      lease.exhausted = true;
      this.endLease(counterKey, lane);
    }
    return reservation;
  }

  admit(counterKey: string, request: AdmitRequest): Promise<OpOutcome> {
    const reservation = this.admitFromLease(counterKey, request);
    if (reservation) return Promise.resolve({ ok: true, reservation });
    return this.enqueue(counterKey, { kind: "admit", request });
  }

  settle(counterKey: string, reservation: Reservation, actual: Usage): Promise<void> {
    // A reservation from a live lease is settled in it; anything else is corrected in the shared
    // counters, where the lease (or the request) was counted whole.
    const lease = this.lanes.get(counterKey)?.lease;
    if (lease && settleInLease(lease, reservation, actual, this.now())) return Promise.resolve();
    return this.enqueue(counterKey, { kind: "settle", reservation, actual }).then(() => undefined);
  }

  /** Settlements and lease returns not yet committed (they are retried until they are). */
  pendingSettlements(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.queue.filter((q) => q.op.kind !== "admit").length;
    return n;
  }

  stop(): void {
    this.stopped = true;
    for (const [key, lane] of this.lanes) this.endLease(key, lane);
    // Settlements still lingering are written now.
    for (const [key, lane] of this.lanes) if (lane.linger) this.startCommit(key, lane);
  }

  /** Gives back what is left of the lane's lease, and sizes the next one by what this one saw. */
  private endLease(key: string, lane: Lane): void {
    const lease = lane.lease;
    if (!lease) return;
    clearTimeout(lease.timer);
    lane.lease = null;
    lane.leaseRequests = nextLeaseRequests(lane, lease);
    void this.enqueue(key, { kind: "release", left: lease.left });
  }

  private enqueue(counterKey: string, op: CounterOp): Promise<OpOutcome> {
    let lane = this.lanes.get(counterKey);
    if (!lane) {
      lane = newLane();
      this.lanes.set(counterKey, lane);
    }
    const queued = new Promise<OpOutcome>((resolve, reject) => lane.queue.push({ op, resolve, reject }));
    if (!lane.committing) {
      if (op.kind === "admit" || this.stopped) {
        // Started after the current turn, so everything queued in the same turn shares the first write.
        const started = lane;
        lane.committing = true;
        clearTimeout(lane.linger);
        lane.linger = undefined;
        queueMicrotask(() => void this.commitLoop(counterKey, started));
      } else {
        const lingering = lane;
        lane.linger ??= setTimeout(() => this.startCommit(counterKey, lingering), SETTLE_LINGER_MS);
      }
    }
    return queued;
  }

  private startCommit(key: string, lane: Lane): void {
    clearTimeout(lane.linger);
    lane.linger = undefined;
    if (lane.committing) return;
    lane.committing = true;
    void this.commitLoop(key, lane);
  }

  private async commitLoop(key: string, lane: Lane): Promise<void> {
    let backoff = this.opts.retryMs ?? 200;
    try {
      // A write in doubt is pending work too: until the entry shows whether it was stored.
      while (lane.queue.length > 0 || lane.inDoubt.length > 0) {
        try {
          await this.commitOnce(key, lane);
          backoff = this.opts.retryMs ?? 200;
        } catch (err) {
          // NATS unreachable (or an unreadable entry): refuse the admissions now, keep the settlements.
          lane.known = false;
          const admissions = lane.queue.filter((q) => q.op.kind === "admit");
          lane.queue = lane.queue.filter((q) => q.op.kind !== "admit");
          for (const q of admissions) q.reject(new LimitsUnavailableError("rate limit counters are unavailable", { cause: err }));
          if ((lane.queue.length === 0 && lane.inDoubt.length === 0) || this.stopped) break;
          this.opts.logger.warn({ err, counterKey: key, settlements: lane.queue.length, inDoubt: lane.inDoubt.length }, "settling limits failed; retrying");
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5_000);
        }
      }
    } finally {
      lane.committing = false;
      if (lane.queue.length === 0 && lane.inDoubt.length === 0 && !lane.known && !lane.lease) this.lanes.delete(key);
    }
  }

  /** Commits everything queued now (and whatever arrives while a conflict is resolved). */
  private async commitOnce(key: string, lane: Lane): Promise<void> {
    const batch: QueuedOp[] = [];
    for (;;) {
      batch.push(...lane.queue.splice(0));
      let sent: { write: CounterWrite; outcomes: OpOutcome[]; lease: LeaseGrant | null } | null = null;
      try {
        if (!lane.known) {
          await this.read(key, lane);
          this.reconcileInDoubt(key, lane, batch);
        }
        // Nothing queued, a write still in doubt: an unchanged write over the entry settles it (it can no longer be stored).
        if (batch.length === 0 && lane.inDoubt.length === 0) return;
        const now = this.now();
        const { counters, outcomes } = applyBatch(lane.counters, batch.map((q) => q.op), now);
        const leased = this.leaseFor(lane, batch, outcomes, counters, now);
        sent = { write: counterWrite(leased?.counters ?? counters, lane), outcomes, lease: leased?.grant ?? null };
        const stored = await storeCounterWrite(this.opts.limits, key, sent.write, this.opts.logger);
        lane.counters = stored.counters;
        lane.revision = stored.revision;
        lane.known = true;
        lane.seenAt = this.now();
        lane.inDoubt = [];
        if (leased) this.holdLease(key, lane, leased.policy, leased.grant, leased.endsAt);
        batch.forEach((q, i) => q.resolve(outcomes[i]!));
        return;
      } catch (err) {
        lane.known = false;
        if (!isRevisionConflict(err)) {
          if (sent) lane.inDoubt.push(inDoubtWrite(sent.write, batch, sent.outcomes, sent.lease));
          // Back in the queue, in order, for the caller to refuse or retry.
          lane.queue.unshift(...batch);
          throw err;
        }
      }
    }
  }

  /** Gives back what an in-doubt write took, if the entry just read shows it was stored after all. */
  private reconcileInDoubt(key: string, lane: Lane, batch: QueuedOp[]): void {
    if (lane.inDoubt.length === 0) return;
    const { left, stored } = settleInDoubt(lane.inDoubt, { revision: lane.revision, writes: lane.counters.writes ?? [] }, batch);
    lane.inDoubt = left;
    for (const write of stored) {
      const refused = write.undo.filter((op) => op.kind === "settle").length;
      this.opts.logger.warn({ counterKey: key, refused }, "a limit-counter write whose answer was lost had been stored: what its refused admissions took is given back");
    }
  }

  /**
   * The lease a batch that admitted something takes along in its write, when the lane holds none:
   * sized for the lane's expected demand, each request needing as much as the largest admitted.
   */
  private leaseFor(lane: Lane, batch: QueuedOp[], outcomes: OpOutcome[], counters: KeyCounters, now: number) {
    if (lane.lease || this.stopped) return null;
    const demand = leaseDemand(batch, outcomes);
    if (!demand) return null;
    const granted = grantLease(counters, demand.policy, demand.need, lane.leaseRequests, now);
    return granted && { ...granted, policy: demand.policy, endsAt: Math.min(granted.endsAt, now + LEASE_TTL_MS) };
  }

  private holdLease(key: string, lane: Lane, policy: KeyPolicy, grant: LeaseGrant, endsAt: number): void {
    const lease: Lease = { id: ++this.leaseIds, policy, left: grant, endsAt, taken: 0, exhausted: false, timer: undefined as unknown as NodeJS.Timeout };
    lease.timer = setTimeout(() => {
      if (lane.lease === lease) this.endLease(key, lane);
    }, Math.max(0, endsAt - this.now()));
    lease.timer.unref();
    lane.lease = lease;
  }

  private async read(key: string, lane: Lane): Promise<void> {
    const { counters, revision } = await readCounters(this.opts.limits, key, this.opts.logger);
    lane.counters = counters;
    lane.revision = revision;
    lane.known = true;
    lane.seenAt = this.now();
  }
}
