import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { decodeMessage, ModelPullCommand, ModelPullEvent, type NatsNames } from "@lantern/shared/contracts";
import type { NatsConnection } from "@nats-io/transport-node";

const isFinal = (event: ModelPullEvent) => event.type === "model.pull.done" || event.type === "model.pull.failed";

/**
 * A pull's events from the EVENTS stream: those already published first (an ordered consumer from
 * the start, filtered on the pull's subject), then live ones, ending after done or failed or when
 * `signal` aborts. Opened before anything is read, so a follower made before the pull is queued
 * misses nothing.
 */
export async function openPullEvents(nc: NatsConnection, names: NatsNames, pullId: string, signal: AbortSignal): Promise<AsyncIterable<ModelPullEvent>> {
  const consumer = await jetstream(nc).consumers.get(names.streams.events, { filter_subjects: names.subjects.modelPullEvents(pullId) });
  const messages = await consumer.consume();
  const stop = () => void messages.stop();
  signal.addEventListener("abort", stop, { once: true });
  return (async function* () {
    try {
      for await (const m of messages) {
        let event: ModelPullEvent;
        try {
          event = decodeMessage(ModelPullEvent, m.data);
        } catch {
          continue;
        }
        yield event;
        if (isFinal(event)) return;
      }
    } finally {
      signal.removeEventListener("abort", stop);
      stop();
    }
  })();
}

// A queue longer than this is looked through only so far for a pull id; beyond it the pull counts as unknown.
const MAX_QUEUE_SCAN = 1_000;

/** Whether a pull has published an event, or waits in the MODELS queue for a fetcher. */
export async function pullExists(nc: NatsConnection, names: NatsNames, pullId: string): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  try {
    if (await jsm.streams.getMessage(names.streams.events, { last_by_subj: names.subjects.modelPullEvents(pullId) })) return true;
  } catch {
    // No event yet (or no EVENTS stream): it may still be queued.
  }
  let state;
  try {
    state = (await jsm.streams.info(names.streams.models)).state;
  } catch {
    return false;
  }
  const last = Math.min(state.last_seq, state.first_seq + MAX_QUEUE_SCAN - 1);
  for (let seq = state.first_seq; seq <= last && state.messages > 0; seq++) {
    const stored = await jsm.streams.getMessage(names.streams.models, { seq }).catch(() => null);
    if (!stored) continue;
    try {
      if (decodeMessage(ModelPullCommand, stored.data).pullId === pullId) return true;
    } catch {
      // not a command: skip
    }
  }
  return false;
}
