import { randomUUID } from "node:crypto";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { decodeMessage, encodeMessage } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { bounded, publishThroughLeaderLoss } from "../nats/index.js";
import { emptyCounters, KeyCounters } from "./key-counters.js";

/** Another replica wrote the entry since this gateway read it: read again and decide again. */
export const isRevisionConflict = (err: unknown) =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** A key's counters in KV and the revision to compare-and-set against (0: no entry yet). */
export async function readCounters(limits: KV, key: string, logger: Logger): Promise<{ counters: KeyCounters; revision: number }> {
  const entry = await bounded(limits.get(key), "limits read");
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

/** What nats.js's bucket keeps (untyped on KV): its JetStream client and the subject of a key. */
interface KvInternals {
  js: JetStreamClient;
  encodeKey(key: string): string;
  subjectForKey(key: string, edit?: boolean): string;
}

/**
 * Writes the counters if the entry is still at `revision`; resolves to the new revision. Sent under
 * a write id and repeated as it is while the bucket's stream has no leader (a cluster node lost):
 * a write whose ack was lost is then taken once, never decided again on top of itself.
 */
export async function writeCounters(limits: KV, key: string, counters: KeyCounters, revision: number): Promise<number> {
  const kv = limits as unknown as KvInternals;
  const ack = await publishThroughLeaderLoss(kv.js, kv.subjectForKey(kv.encodeKey(key), true), encodeMessage(KeyCounters, counters), {
    msgID: randomUUID(),
    expect: { lastSubjectSequence: revision },
  });
  return ack.seq;
}
