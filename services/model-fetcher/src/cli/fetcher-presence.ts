import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "@lantern/shared/contracts";

/**
 * Whether a pull queued at stream sequence `seq` can expect a fetcher: one has taken it already,
 * or one is waiting for work right now. False when no fetcher ever ran, or none is pulling while
 * the command still sits in the queue.
 */
export async function fetcherWillTake(jsm: JetStreamManager, names: NatsNames, seq: number): Promise<boolean> {
  try {
    const info = await jsm.consumers.info(names.streams.models, names.consumers.modelFetcher);
    return info.delivered.stream_seq >= seq || info.num_waiting > 0;
  } catch {
    return false;
  }
}
