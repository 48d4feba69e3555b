import type { KeyPolicy } from "../contracts/index.js";
import type { LeaseGrant } from "./counter-leases.js";
import { emptyCounters, type KeyCounters } from "./key-counters.js";
import type { CounterOp, OpOutcome } from "./limit-counters.js";

export interface QueuedOp {
  op: CounterOp;
  resolve(outcome: OpOutcome): void;
  reject(err: unknown): void;
}

/**
 * A compare-and-set of a key's counters whose answer never came (a node lost, a timeout): it may
 * have been stored all the same. Its admissions were refused meanwhile and its lease never held,
 * so if it was stored, what they took has to be given back; the settlements it carried are then
 * done, and must not be applied a second time.
 */
export interface InDoubtWrite {
  id: string;
  /** The revision it was to be stored over: once the entry is past it without it, it never will be. */
  overRevision: number;
  /** Settlements and lease returns it carried, queued again meanwhile. */
  carried: QueuedOp[];
  /** What gives back what it took, if it was stored. */
  undo: CounterOp[];
}

/** Room this gateway took from a key's shared counters, to admit from without a round trip. */
export interface Lease {
  id: number;
  /** The policy it was granted under: a changed policy ends it. */
  policy: KeyPolicy;
  /** What is not yet reserved by a request. */
  left: LeaseGrant;
  endsAt: number;
  timer: NodeJS.Timeout;
  /** Requests admitted from it. */
  taken: number;
  /** A request did not fit in what was left. */
  exhausted: boolean;
}

/** One key's counters as this gateway last saw them, and the operations waiting to be committed. */
export interface Lane {
  counters: KeyCounters;
  /** KV revision of `counters`; 0 when the entry does not exist. */
  revision: number;
  /** False until read once, or after a conflict: the next commit reads first. */
  known: boolean;
  /** When `counters` were last confirmed (read, or written by this gateway's compare-and-set). */
  seenAt: number;
  queue: QueuedOp[];
  committing: boolean;
  /** Set while settlements wait for company before their commit starts. */
  linger: NodeJS.Timeout | undefined;
  lease: Lease | null;
  /** How many requests the next lease is sized for: it follows the demand the last one saw. */
  leaseRequests: number;
  /** Writes whose answer was lost, until the entry shows whether they were stored. */
  inDoubt: InDoubtWrite[];
}

const LEASE_FIRST_REQUESTS = 16;
const LEASE_MAX_REQUESTS = 8_192;

export const newLane = (): Lane => ({
  counters: emptyCounters(),
  revision: 0,
  known: false,
  seenAt: 0,
  queue: [],
  committing: false,
  linger: undefined,
  lease: null,
  leaseRequests: LEASE_FIRST_REQUESTS,
  inDoubt: [],
});

/** The size of the lane's next lease, by what its ending lease saw: double when it ran out, else twice what it admitted. */
export function nextLeaseRequests(lane: Lane, ended: Lease): number {
  return ended.exhausted
    ? Math.min(LEASE_MAX_REQUESTS, lane.leaseRequests * 2)
    : Math.max(LEASE_FIRST_REQUESTS, Math.min(LEASE_MAX_REQUESTS, ended.taken * 2));
}
