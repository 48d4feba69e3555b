import { jetstream, jetstreamManager, type Consumer, type JsMsg } from "@nats-io/jetstream";
import { decodeMessage, UsageMessage, usageEventsOf, type UsageEvent } from "@lantern/shared/contracts";
import { ensureEventsStream } from "@lantern/shared/nats";
import type { AdminDeps } from "../admin-deps.js";
import { DurableReader } from "../db/durable-reader.js";
import { errorMessage } from "../db/error-message.js";
import { ensureUsageConsumer, USAGE_ACK_WAIT_MS } from "./usage-consumer.js";
import { insertUsageEvents } from "./usage-rows.js";
import { UsageSweep } from "./usage-sweep.js";


interface UsageStoreOptions {
  /** Most events written in one insert. */
  maxBatch?: number;
  /** How long one wait for new events lasts; also bounds how long `stop()` takes when idle. */
  idleWaitMs?: number;
  /** First and longest pause between retries while the database (or NATS) is failing. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface UsageStoreStatus {
  /** `storing`: keeping up; `retrying`: the last attempt failed and events wait in the stream. */
  state: "storing" | "retrying" | "stopped";
  /** Events in the stream not stored yet (as of the last look): waiting, plus the batch in hand. */
  lag: number;
  /** New rows inserted by this process (an event that was already stored is not counted). */
  stored: number;
  /** Undecodable messages terminated by this process. */
  rejected: number;
  lastError: { message: string; at: number } | null;
  lastStoredAt: number | null;
}

export interface UsageStore {
  status(): UsageStoreStatus;
  /** Stops pulling; a batch still waiting for the database is handed back to the stream. */
  stop(): Promise<void>;
}

/**
 * Stores every usage event from the EVENTS stream in `usage_events`, once each. Events are pulled
 * in batches from a durable consumer and acked only after their insert committed; while the
 * database is unreachable the store keeps the batch it holds (telling JetStream it is still
 * working on it), pulls nothing more, and retries with backoff, so events wait in the stream
 * rather than being lost. Inserts skip ids already stored, so redeliveries are harmless.
 */
export async function startUsageStore(deps: AdminDeps, opts: UsageStoreOptions = {}): Promise<UsageStore> {
  const maxBatch = opts.maxBatch ?? 256;
  const idleWaitMs = Math.max(1_000, opts.idleWaitMs ?? 2_000);
  const logger = deps.logger.child({ component: "usage-store" });
  const { nc } = deps.nats;

  const jsm = await jetstreamManager(nc);
  await ensureEventsStream(jsm, deps.names);
  const durable = await ensureUsageConsumer(jsm, deps.names);
  const counts = { lag: 0, stored: 0, rejected: 0, lastStoredAt: null as number | null };
  const { delivered } = await jsm.consumers.info(deps.names.streams.events, durable);
  const sweep = new UsageSweep({ ...deps, logger }, { startedAt: delivered.stream_seq, delayMs: USAGE_ACK_WAIT_MS + 2_000, onStored: (n) => (counts.stored += n) });
  const reader = new DurableReader({
    js: jetstream(nc),
    stream: deps.names.streams.events,
    durable,
    ensureConsumer: () => ensureUsageConsumer(jsm, deps.names),
    ackWaitMs: USAGE_ACK_WAIT_MS,
    retryMinMs: opts.retryMinMs,
    retryMaxMs: opts.retryMaxMs,
    onReadFailed: () => sweep.disturbed(),
    logger,
  });

  const refreshLag = async (inHand: number) => {
    try {
      const info = await jsm.consumers.info(deps.names.streams.events, durable);
      counts.lag = info.num_pending + Math.max(inHand, info.num_ack_pending);
    } catch {
      // Lag is advisory: keep the last value.
    }
  };

  /** Waits for at least one event, then takes what is already waiting behind it, up to maxBatch. */
  const pullBatch = async (consumer: Consumer): Promise<JsMsg[]> => {
    const first = await consumer.next({ expires: idleWaitMs });
    if (!first) {
      counts.lag = 0;
      return [];
    }
    const batch = [first];
    const behind = Math.min(first.info.pending, maxBatch - 1);
    if (behind > 0) {
      // Sized to what is known to be waiting, so the fetch ends as soon as those arrive.
      const more = await consumer.fetch({ max_messages: behind, expires: 1_000 });
      for await (const m of more) batch.push(m);
    }
    counts.lag = (batch.at(-1)?.info.pending ?? 0) + batch.length;
    return batch;
  };

  /** Splits a batch into events to insert and messages that can never be stored (terminated now). */
  const decodeBatch = (batch: JsMsg[]) => {
    const events = new Map<string, UsageEvent>();
    const msgs: JsMsg[] = [];
    for (const m of batch) {
      try {
        for (const event of usageEventsOf(decodeMessage(UsageMessage, m.data))) events.set(event.id, event);
        msgs.push(m);
      } catch (err) {
        counts.rejected++;
        logger.error({ reason: errorMessage(err), subject: m.subject, seq: m.seq }, "terminating an undecodable usage event");
        // No reason text: nats-server 2.9 does not understand `+TERM <reason>` and would leave it pending.
        m.term();
      }
    }
    return { events: [...events.values()], msgs };
  };

  reader.start("pulling usage events", async (consumer) => {
    const batch = await pullBatch(consumer);
    reader.readOk();
    if (batch.length === 0) return;
    const { events, msgs } = decodeBatch(batch);
    if (events.length > 0) {
      const insert = async () => {
        counts.stored += await insertUsageEvents(deps.db, events);
        counts.lastStoredAt = Date.now();
      };
      if (await reader.commit(msgs, "storing usage events", insert, () => refreshLag(msgs.length))) sweep.acked(Math.max(...msgs.map((m) => m.seq)));
    }
    counts.lag = Math.max(0, counts.lag - batch.length);
  });
  logger.info({ durable }, "usage store started");

  return {
    status: () => ({ ...counts, state: reader.stopped ? "stopped" : reader.retrying ? "retrying" : "storing", lastError: reader.lastError }),
    stop: async () => {
      await reader.stop();
      await sweep.stop();
    },
  };
}
