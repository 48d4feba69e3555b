import { AckPolicy, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "@lantern/shared/contracts";

const nanos = (ms: number) => ms * 1_000_000;

/**
 * How long a pulled event may stay unacked before JetStream hands it out again. The store calls
 * `working()` on the events it holds while it waits for the database, so this only expires for a
 * store that died holding them.
 */
export const USAGE_ACK_WAIT_MS = 30_000;

/**
 * Creates (or reuses) the durable pull consumer that stores usage events: every `events.usage`
 * message from the start of the stream, acked one by one, redelivered without limit (an event is
 * never given up on while the database is away; a bad one is terminated explicitly instead).
 */
export async function ensureUsageConsumer(jsm: JetStreamManager, names: NatsNames): Promise<string> {
  const durable = names.consumers.usageStore;
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
      filter_subject: names.subjects.usageEvent,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(USAGE_ACK_WAIT_MS),
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
