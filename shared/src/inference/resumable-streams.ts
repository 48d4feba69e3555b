import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, encodeMessage, InferReply, StreamRecord, type NatsNames } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { InferenceCall, type InferenceErrors } from "./inference-call.js";
import { ReplyQueue } from "./reply-queue.js";

/*
 * A resumable stream is a job whose replies go to a kept subject: stream REPLIES stores them (and
 * the stream's record) for the resume window, so that any client can read them again from the
 * start and then follow the live ones, after the one that started the job is gone.
 */

/** Core publish, no ack: the record costs the starting gateway one message, like a reply. */
export function publishStreamRecord(nc: NatsConnection, names: NatsNames, record: StreamRecord): void {
  nc.publish(names.subjects.streamRecord(record.requestId), encodeMessage(StreamRecord, record));
}

/** The record of a stream still within the window, or null (unknown, expired, or resuming is off). */
export async function readStreamRecord(jsm: JetStreamManager, names: NatsNames, requestId: string): Promise<StreamRecord | null> {
  let stored;
  try {
    stored = await jsm.streams.getMessage(names.streams.replies, { last_by_subj: names.subjects.streamRecord(requestId) });
  } catch {
    // No REPLIES stream (resuming is off) or no such message: the same to the caller.
    return null;
  }
  return stored ? decodeMessage(StreamRecord, stored.data) : null;
}

interface KeptRepliesOptions<E> {
  nc: NatsConnection;
  js: JetStreamClient;
  names: NatsNames;
  requestId: string;
  /** How long any reply, the first included, may take before the job counts as stalled. */
  stallTimeoutMs: number;
  promptParam: string;
  errors: InferenceErrors<E>;
  /** Stops following (and cancels the job, as for the client that started it). */
  signal: AbortSignal;
  logger: Logger;
}

/**
 * Every kept reply of a job from the first (`accepted`) on, in the order they were published, then
 * the live ones: an ordered consumer filtered to the job (one filter subject: nats-server 2.9).
 */
export async function keptReplyQueue(js: JetStreamClient, names: NatsNames, requestId: string, logger: Logger): Promise<{ queue: ReplyQueue; close(): void }> {
  const consumer = await js.consumers.get(names.streams.replies, { filter_subjects: names.subjects.keptRepliesOf(requestId) });
  const messages = await consumer.consume();
  const queue = new ReplyQueue();
  void (async () => {
    for await (const msg of messages) {
      try {
        queue.push(decodeMessage(InferReply, msg.data));
      } catch (err) {
        logger.warn({ err, subject: msg.subject }, "dropping malformed kept reply");
      }
    }
  })();
  return { queue, close: () => void messages.close().catch(() => {}) };
}

/**
 * The job's call as its first reader saw it, through the same redelivery handling. Null when no
 * reply is kept for it.
 */
export async function followKeptReplies<E>(opts: KeptRepliesOptions<E>): Promise<InferenceCall<E> | null> {
  const { nc, js, names, requestId, logger } = opts;
  const { queue, close } = await keptReplyQueue(js, names, requestId, logger);
  const first = await queue.next(opts.stallTimeoutMs, opts.signal);
  if (typeof first === "string" || first.kind !== "accepted") {
    close();
    return null;
  }
  return new InferenceCall(first, queue, {
    stallTimeoutMs: opts.stallTimeoutMs,
    signal: opts.signal,
    promptParam: opts.promptParam,
    errors: opts.errors,
    onFinish: close,
    cancel: () => nc.publish(names.subjects.cancel(requestId)),
  });
}
