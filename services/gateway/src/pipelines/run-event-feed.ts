import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, isFinalPipelineEvent, PipelineEvent, type NatsNames } from "@lantern/shared/contracts";

interface FeedOptions {
  /** The run had already finished when the feed was asked for: stop once the replay is through, even without a final event (it may have aged out). */
  finished: boolean;
  /** Only events stored after this stream sequence (those of a retry); absent: all of the run's. */
  afterSeq?: number;
  signal: AbortSignal;
}

/** The stream sequence of the run's latest event so far; 0 when it has none. */
export async function lastEventSeq(nc: NatsConnection, names: NatsNames, runId: string): Promise<number> {
  try {
    const jsm = await jetstreamManager(nc);
    const msg = await jsm.streams.getMessage(names.streams.events, { last_by_subj: names.subjects.pipelineEvents(runId) });
    return msg?.seq ?? 0;
  } catch {
    return 0;
  }
}

/**
 * A run's progress: every event the EVENTS stream kept for it, replayed with an ordered consumer
 * filtered on the run's subject, then the live ones, until the run completes or fails. A run that
 * failed and was retried has several final events: the feed ends at one with nothing kept after it.
 */
export async function* runEventFeed(nc: NatsConnection, names: NatsNames, runId: string, opts: FeedOptions): AsyncGenerator<PipelineEvent> {
  const consumer = await jetstream(nc).consumers.get(names.streams.events, {
    filter_subjects: names.subjects.pipelineEvents(runId),
    ...(opts.afterSeq ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.afterSeq + 1 } : { deliver_policy: DeliverPolicy.All }),
  });
  let messages: ConsumerMessages | undefined;
  const stop = () => void messages?.stop();
  opts.signal.addEventListener("abort", stop, { once: true });
  const last = (event: PipelineEvent, msg: JsMsg) => isFinalPipelineEvent(event) && msg.info.pending === 0;
  try {
    if (opts.finished) {
      // Nothing more will come: read what is kept and end.
      for (;;) {
        const msg = await consumer.next({ expires: 1_000 });
        if (!msg) return;
        const event = decodeMessage(PipelineEvent, msg.data);
        yield event;
        if (msg.info.pending === 0) return;
      }
    }
    messages = await consumer.consume();
    if (opts.signal.aborted) return;
    for await (const msg of messages) {
      const event = decodeMessage(PipelineEvent, msg.data);
      yield event;
      if (last(event, msg)) return;
    }
  } finally {
    opts.signal.removeEventListener("abort", stop);
    stop();
    await consumer.delete().catch(() => {});
  }
}
