import { randomBytes } from "node:crypto";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JetStreamManager, type StoredMsg } from "@nats-io/jetstream";
import type { KV, KvEntry } from "@nats-io/kv";
import { decodeMessage, encodeMessage } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { bounded, publishThroughLeaderLoss } from "../nats/index.js";
import { emptyCounters, KeyCounters } from "./key-counters.js";

/** Another replica wrote the entry since this gateway read it: read again and decide again. */
export const isRevisionConflict = (err: unknown) =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** What nats.js's bucket keeps (untyped on KV): its JetStream clients, its stream and the subject of a key. */
interface KvInternals {
  js: JetStreamClient;
  jsm: JetStreamManager;
  bucketName(): string;
  encodeKey(key: string): string;
  subjectForKey(key: string, edit?: boolean): string;
  smToEntry(message: StoredMsg): KvEntry;
}

/**
 * A key's counters in KV and the revision to compare-and-set against (0: no entry yet). Read as
 * `KV.get` does, from any replica (one answers while the bucket elects a leader; a stale answer
 * only costs a conflict), or with `fromLeader` from the bucket stream's leader: a follower behind
 * it would hide a write this gateway stored, and a write taken for another's is counted again.
 */
export async function readCounters(limits: KV, key: string, logger: Logger, { fromLeader = false } = {}): Promise<StoredCounters> {
  const kv = limits as unknown as KvInternals;
  const entry = fromLeader
    ? await bounded(kv.jsm.streams.getMessage(kv.bucketName(), { last_by_subj: kv.subjectForKey(kv.encodeKey(key)) }), "limits read").then((m) => m && kv.smToEntry(m))
    : await bounded(limits.get(key), "limits read");
  if (!entry) return { counters: emptyCounters(), revision: 0 };
  // A deleted entry still has a revision to compare against; an unreadable one is started over.
  let counters = emptyCounters();
  if (entry.operation === "PUT") {
    try {
      counters = decodeMessage(KeyCounters, entry.value);
    } catch (err) {
      logger.warn({ err, counterKey: key }, "unreadable limit counters; starting them over");
    }
  }
  return { counters, revision: entry.revision };
}

// Enough for the writes other gateways can store between a lost ack and its repeat (every write
// waits while the bucket has no leader; the repeat follows the election within a retry step).
const WRITES_KEPT = 16;

/** A key's counters as stored, and their revision: what the next compare-and-set is made against. */
export interface StoredCounters {
  counters: KeyCounters;
  revision: number;
}

/** One compare-and-set of a key's counters: what to store, under which id, over which revision. */
export interface CounterWrite {
  id: string;
  counters: KeyCounters;
  overRevision: number;
}

/** The write of `next`, decided on `base`: its id joins the ids of the last writes stored. */
export function counterWrite(next: KeyCounters, base: StoredCounters): CounterWrite {
  const id = randomBytes(9).toString("base64url");
  return { id, counters: { ...next, writes: [...(base.counters.writes ?? []).slice(1 - WRITES_KEPT), id] }, overRevision: base.revision };
}

/**
 * Stores `write` if the entry is still at its revision; resolves to the entry as stored. Sent
 * under the write's id and repeated as it is while the bucket's stream has no leader (a cluster node
 * lost). A write stored before (its ack lost) whose repeat is refused as a conflict is recognised by
 * its id in the entry: taken once, never decided again on top of itself.
 */
export async function storeCounterWrite(limits: KV, key: string, write: CounterWrite, logger: Logger): Promise<StoredCounters> {
  const kv = limits as unknown as KvInternals;
  try {
    const ack = await publishThroughLeaderLoss(kv.js, kv.subjectForKey(kv.encodeKey(key), true), encodeMessage(KeyCounters, write.counters), {
      msgID: write.id,
      expect: { lastSubjectSequence: write.overRevision },
    });
    return { counters: write.counters, revision: ack.seq };
  } catch (err) {
    if (!isRevisionConflict(err)) throw err;
    // Refused by the leader just now, so it is there to ask.
    const stored = await readCounters(limits, key, logger, { fromLeader: true });
    if (stored.counters.writes?.includes(write.id)) return stored;
    throw err;
  }
}
