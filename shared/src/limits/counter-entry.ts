import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { decodeMessage, encodeMessage } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { bounded, NATS_TIMEOUT_MS } from "../nats/index.js";
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

/** Writes the counters if the entry is still at `revision`; resolves to the new revision. */
export function writeCounters(limits: KV, key: string, counters: KeyCounters, revision: number): Promise<number> {
  return bounded(limits.put(key, encodeMessage(KeyCounters, counters), { previousSeq: revision, timeout: NATS_TIMEOUT_MS }), "limits write");
}
