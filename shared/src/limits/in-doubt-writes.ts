import type { LeaseGrant } from "./counter-leases.js";
import type { InDoubtWrite, QueuedOp } from "./key-lane.js";
import type { CounterOp, OpOutcome } from "./limit-counters.js";

/** The in-doubt record of a write of `batch`, decided with `outcomes`, taking `lease` along. */
export function inDoubtWrite(
  write: { id: string; overRevision: number },
  batch: readonly QueuedOp[],
  outcomes: readonly OpOutcome[],
  lease: LeaseGrant | null,
): InDoubtWrite {
  const undo: CounterOp[] = [];
  batch.forEach(({ op }, i) => {
    const outcome = outcomes[i];
    if (op.kind === "admit" && outcome?.ok && outcome.reservation) {
      undo.push({ kind: "settle", reservation: outcome.reservation, actual: { tokens: 0, costUsd: 0, unserved: true } });
    }
  });
  if (lease) undo.push({ kind: "release", left: lease });
  return { id: write.id, overRevision: write.overRevision, carried: batch.filter((q) => q.op.kind !== "admit"), undo };
}

const internal = (op: CounterOp): QueuedOp => ({ op, resolve: () => {}, reject: () => {} });

/**
 * Decides the lane's in-doubt writes against the entry just read (its revision and the ids of its
 * last writes): one stored has its carried operations resolved and taken out of `batch`, and its
 * undo put first in it; one that can no longer be stored is forgotten. Returns those still in
 * doubt, and how many were found stored.
 */
export function settleInDoubt(
  inDoubt: readonly InDoubtWrite[],
  entry: { revision: number; writes: readonly string[] },
  batch: QueuedOp[],
): { left: InDoubtWrite[]; stored: InDoubtWrite[] } {
  const left: InDoubtWrite[] = [];
  const stored: InDoubtWrite[] = [];
  for (const write of inDoubt) {
    if (entry.writes.includes(write.id)) stored.push(write);
    else if (entry.revision <= write.overRevision) left.push(write);
  }
  for (const write of stored) {
    for (const done of write.carried) {
      const at = batch.indexOf(done);
      if (at >= 0) batch.splice(at, 1);
      done.resolve({ ok: true });
    }
    batch.unshift(...write.undo.map(internal));
  }
  return { left, stored };
}
