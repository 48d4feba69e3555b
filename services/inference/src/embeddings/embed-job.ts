import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@lantern/shared/logging";
import type { ServedModel } from "../models/served-model.js";
import { embed, type EmbedInput } from "./embed.js";
import type { ReplyPublisher } from "../queue/reply-publisher.js";

/** NATS's own default, for a connection that has not heard the server's yet. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

interface EmbedJobContext {
  nc: NatsConnection;
  served: ServedModel;
  reply: ReplyPublisher;
  signal: AbortSignal;
  workerId: string;
  attempt: number;
  queuedMs: number;
  log: Logger;
}

/** Answers an embed job: `accepted`, its vectors in one or more `embeddings` replies, then `done`. */
export async function answerEmbedJob(input: EmbedInput, ctx: EmbedJobContext): Promise<void> {
  const { reply, log, attempt, queuedMs } = ctx;
  const result = await embed(ctx.served, input, {
    signal: ctx.signal,
    maxMessageBytes: ctx.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD,
    onAccepted: (promptTokens) => {
      reply.accepted({ workerId: ctx.workerId, attempt, promptTokens });
      log.info({ attempt, promptTokens, inputs: input.inputs.length }, "embed job started");
    },
    onVectors: (index, vectors) => reply.embeddings({ index, vectors }),
  });
  const usage = { promptTokens: result.promptTokens, completionTokens: 0 };
  reply.done({
    finishReason: result.cancelled ? "cancelled" : "stop",
    usage,
    timings: { queuedMs, promptMs: result.embedMs, generateMs: 0 },
  });
  log.info({ attempt, inputs: input.inputs.length, ...usage, queuedMs, embedMs: result.embedMs, cancelled: result.cancelled }, "embed job finished");
}
