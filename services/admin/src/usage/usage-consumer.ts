import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "@lantern/shared/contracts";
import { ensureDurableConsumer } from "@lantern/shared/nats";

/**
 * How long a pulled event may stay unacked before JetStream hands it out again. The store calls
 * `working()` on the events it holds while it waits for the database, so this only expires for a
 * store that died holding them, or for events lost on their way to it with a NATS node: short, so
 * those are stored seconds later rather than half a minute.
 */
export const USAGE_ACK_WAIT_MS = 10_000;

/**
 * Creates (or reuses) the durable pull consumer that stores usage events: every `events.usage`
 * message from the start of the stream, acked one by one, redelivered without limit (an event is
 * never given up on while the database is away; a bad one is terminated explicitly instead).
 */
export function ensureUsageConsumer(jsm: JetStreamManager, names: NatsNames): Promise<string> {
  return ensureDurableConsumer(jsm, names.streams.events, {
    durable: names.consumers.usageStore,
    filterSubject: names.subjects.usageEvent,
    ackWaitMs: USAGE_ACK_WAIT_MS,
    maxDeliver: -1,
  });
}
