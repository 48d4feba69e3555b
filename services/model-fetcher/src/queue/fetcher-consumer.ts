import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "@lantern/shared/contracts";
import { ensureDurableConsumer } from "@lantern/shared/nats";

/** A pull goes back to the queue after this long without an ack or a `working()` (sent every third of it). */
export const PULL_ACK_WAIT_MS = 60_000;
/** A command that crashed this many fetchers is dropped rather than crash more. */
const PULL_MAX_DELIVER = 5;

/** Creates (or reuses) the durable consumer every fetcher shares, so each pull is taken once. */
export function ensureFetcherConsumer(jsm: JetStreamManager, names: NatsNames): Promise<string> {
  return ensureDurableConsumer(jsm, names.streams.models, {
    durable: names.consumers.modelFetcher,
    filterSubject: names.subjects.modelPull,
    ackWaitMs: PULL_ACK_WAIT_MS,
    maxDeliver: PULL_MAX_DELIVER,
  });
}
