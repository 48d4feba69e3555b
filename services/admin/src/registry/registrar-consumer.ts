import { AckPolicy, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "@lantern/shared/contracts";

const nanos = (ms: number) => ms * 1_000_000;

/** How long a model event may stay unacked before redelivery; the registrar calls `working()` while it retries. */
export const REGISTRAR_ACK_WAIT_MS = 30_000;

/**
 * Creates (or reuses) the durable consumer the registrar reads: every `events.model.>` message from
 * the start of the stream (nats-server 2.9 takes one filter, so worker load events come too and
 * are skipped), acked one by one, redelivered without limit.
 */
export async function ensureRegistrarConsumer(jsm: JetStreamManager, names: NatsNames): Promise<string> {
  const durable = names.consumers.modelRegistrar;
  const stream = names.streams.events;
  try {
    await jsm.consumers.info(stream, durable);
    return durable;
  } catch {
    // fall through to create
  }
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: names.subjects.modelEventsAll,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(REGISTRAR_ACK_WAIT_MS),
      max_deliver: -1,
    });
  } catch (err) {
    // Another admin replica may have created it in between.
    await jsm.consumers.info(stream, durable).catch(() => {
      throw err;
    });
  }
  return durable;
}
