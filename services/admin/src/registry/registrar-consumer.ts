import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "@lantern/shared/contracts";
import { ensureDurableConsumer } from "@lantern/shared/nats";

/** How long a model event may stay unacked before redelivery; the registrar calls `working()` while it retries. */
export const REGISTRAR_ACK_WAIT_MS = 10_000;

/**
 * Creates (or reuses) the durable consumer the registrar reads: every `events.model.>` message from
 * the start of the stream (nats-server 2.9 takes one filter, so worker load events come too and
 * are skipped), acked one by one, redelivered without limit.
 */
export function ensureRegistrarConsumer(jsm: JetStreamManager, names: NatsNames): Promise<string> {
  return ensureDurableConsumer(jsm, names.streams.events, {
    durable: names.consumers.modelRegistrar,
    filterSubject: names.subjects.modelEventsAll,
    ackWaitMs: REGISTRAR_ACK_WAIT_MS,
    maxDeliver: -1,
  });
}
