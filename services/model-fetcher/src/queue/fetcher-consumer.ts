import { AckPolicy, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "@lantern/shared/contracts";

/** A pull goes back to the queue after this long without an ack or a `working()` (sent every third of it). */
export const PULL_ACK_WAIT_MS = 60_000;
/** A command that crashed this many fetchers is dropped rather than crash more. */
export const PULL_MAX_DELIVER = 5;

const nanos = (ms: number) => ms * 1_000_000;

/** Creates (or reuses) the durable consumer every fetcher shares, so each pull is taken once. */
export async function ensureFetcherConsumer(jsm: JetStreamManager, names: NatsNames): Promise<string> {
  const durable = names.consumers.modelFetcher;
  try {
    await jsm.consumers.info(names.streams.models, durable);
    return durable;
  } catch {
    // fall through to create
  }
  try {
    await jsm.consumers.add(names.streams.models, {
      durable_name: durable,
      filter_subject: names.subjects.modelPull,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(PULL_ACK_WAIT_MS),
      max_deliver: PULL_MAX_DELIVER,
    });
  } catch (err) {
    await jsm.consumers.info(names.streams.models, durable).catch(() => {
      throw err;
    });
  }
  return durable;
}
