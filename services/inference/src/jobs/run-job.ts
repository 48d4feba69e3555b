import type { NatsConnection } from "@nats-io/transport-node";
import type { LlamaContextSequence } from "node-llama-cpp";
import { decodeMessage, InferJob, MessageDecodeError } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ServedModel } from "../models/served-model.js";
import type { CancelRegistry } from "./cancel-registry.js";
import { OutputFormatError } from "../models/grammar-cache.js";
import { ContextLengthExceededError, generate } from "./generate.js";
import { EmbeddingInputTooLongError } from "./embed.js";
import { answerEmbedJob } from "./embed-job.js";
import type { FlushClock } from "./flush-clock.js";
import type { JobMessage } from "./job-puller.js";
import { InvalidParameterError } from "./token-bias.js";
import { ReplyPublisher } from "./reply-publisher.js";

export interface RunJobDeps {
  nc: NatsConnection;
  served: ServedModel;
  cancels: CancelRegistry;
  workerId: string;
  /** How often to tell JetStream the job is still being worked on. */
  workingEveryMs: number;
  /** Paces the sending of generated text; none sends every piece at once. */
  flushClock: FlushClock | undefined;
  logger: Logger;
}

/** Tells the sender why its job was refused, when the job says where to answer. */
function answerMalformed(nc: NatsConnection, data: Uint8Array, err: unknown): void {
  let replyTo: unknown;
  try {
    replyTo = (JSON.parse(new TextDecoder().decode(data)) as { replyTo?: unknown }).replyTo;
  } catch {
    return;
  }
  if (typeof replyTo !== "string" || !replyTo || /[\s*>]/.test(replyTo)) return;
  const reason = err instanceof MessageDecodeError ? err.message : "unreadable job";
  new ReplyPublisher(nc, replyTo).error({ code: "invalid_job", message: reason });
}

/**
 * Runs one pulled job on one slot's sequence and settles the message: `ack` once answered
 * (done or error), `term` when it can never run (unparseable, expired, cancelled). A job whose
 * worker dies is neither, so JetStream redelivers it to another worker after `ack_wait`.
 */
export async function runJob(msg: JobMessage, sequence: LlamaContextSequence, deps: RunJobDeps): Promise<void> {
  const { served, logger } = deps;
  let job: InferJob;
  try {
    job = decodeMessage(InferJob, msg.data);
  } catch (err) {
    logger.warn({ err: err instanceof MessageDecodeError ? err.message : err, subject: msg.subject }, "dropping malformed job");
    answerMalformed(deps.nc, msg.data, err);
    msg.term();
    return;
  }
  const log = logger.child({ requestId: job.requestId });
  const reply = new ReplyPublisher(deps.nc, job.replyTo, deps.flushClock);
  if (job.model !== served.name) {
    reply.error({ code: "model_not_loaded", message: `this worker does not serve ${job.model}` });
    msg.term();
    return;
  }
  if (Date.now() > job.startBy) {
    log.info("job expired in the queue; not started");
    msg.term();
    return;
  }
  const controller = deps.cancels.register(job.requestId);
  if (!controller) {
    log.info("job cancelled before it started");
    msg.term();
    return;
  }

  const attempt = msg.info.deliveryCount;
  const queuedMs = Math.max(0, Date.now() - msg.info.timestampNanos / 1e6);
  const keepAlive = setInterval(() => msg.working(), deps.workingEveryMs);
  try {
    if (job.input.kind === "embed") {
      await answerEmbedJob(job.input, { nc: deps.nc, served, reply, signal: controller.signal, workerId: deps.workerId, attempt, queuedMs, log });
      return;
    }
    const result = await generate(served, sequence, job, {
      signal: controller.signal,
      onAccepted: (promptTokens) => {
        reply.accepted({ workerId: deps.workerId, attempt, promptTokens });
        log.info({ attempt, promptTokens }, "job started");
      },
      onText: (text, logprobs) => reply.chunk(text, logprobs),
      onReasoning: (text) => reply.reasoning(text),
      onToolCall: (piece) => reply.toolCall(piece.index, piece.name, piece.arguments),
    });
    reply.done({
      finishReason: result.finishReason,
      usage: result.usage,
      timings: { queuedMs, promptMs: result.promptMs, generateMs: result.generateMs },
    });
    const cancelToStopMs = deps.cancels.release(job.requestId);
    log.info(
      {
        attempt,
        finishReason: result.finishReason,
        ...result.usage,
        queuedMs,
        promptMs: result.promptMs,
        generateMs: result.generateMs,
        ...(cancelToStopMs !== undefined ? { cancelToStopMs } : {}),
      },
      "job finished",
    );
  } catch (err) {
    if (err instanceof ContextLengthExceededError) {
      // The gateway knows which request field holds the prompt.
      reply.error({ code: "context_length_exceeded", message: err.message });
    } else if (err instanceof EmbeddingInputTooLongError) {
      reply.error({ code: "context_length_exceeded", message: err.message, param: err.param });
    } else if (err instanceof InvalidParameterError) {
      reply.error({ code: "invalid_parameter", message: err.message, param: err.param });
    } else if (err instanceof OutputFormatError) {
      log.warn({ err: err.message }, "output format refused");
      const param = job.format?.type === "json_schema" ? "response_format.json_schema.schema" : "response_format";
      reply.error({ code: "invalid_output_format", message: err.message, param });
    } else {
      log.error({ err }, "generation failed");
      reply.error({ code: "internal", message: "generation failed on the worker" });
    }
  } finally {
    clearInterval(keepAlive);
    deps.cancels.release(job.requestId);
    msg.ack();
  }
}
