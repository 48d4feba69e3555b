import { DeliverPolicy, jetstream, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

interface StreamRange {
  stream: string;
  subject: string;
  /** First stream sequence read; the stream's first when absent. */
  fromSeq?: number;
  /**
   * Last stream sequence read (one of `subject`'s): read until it is reached, whichever replica
   * serves the consumer. Absent: up to the last the consumer sees stored, which a replica behind
   * the leader (a node just back) may take for the end.
   */
  throughSeq?: number;
  batch?: number;
}

/**
 * The messages of one subject of a stream, in the order stored, in batches of up to `batch`, read
 * with an ordered consumer: one request per message takes seconds once there are thousands. Ends
 * at `throughSeq` or, without one, the last message stored; throws if messages stop coming before that.
 */
export async function* readStreamRange(nc: NatsConnection, range: StreamRange): AsyncGenerator<JsMsg[]> {
  const { stream, subject, fromSeq, throughSeq = Number.POSITIVE_INFINITY, batch = 1_000 } = range;
  const start = fromSeq ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq } : {};
  const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: subject, ...start });
  for (;;) {
    const msgs: JsMsg[] = [];
    let done = false;
    for await (const msg of await consumer.fetch({ max_messages: batch, expires: 5_000 })) {
      if (msg.seq <= throughSeq) msgs.push(msg);
      if (msg.seq >= throughSeq || (msg.info.pending === 0 && throughSeq === Number.POSITIVE_INFINITY)) {
        done = true;
        break;
      }
    }
    if (msgs.length > 0) yield msgs;
    if (done) return;
    if (msgs.length === 0) throw new Error(`messages of ${subject} stopped coming before the last one stored`);
  }
}
