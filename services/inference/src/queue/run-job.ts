import type { NatsConnection } from "@nats-io/transport-node";
import { promptPrefixDigests } from "@lantern/shared/inference";
import type { Logger } from "@lantern/shared/logging";
import type { WorkerMetrics } from "../metrics/worker-metrics.js";
import type { ServedModel } from "../models/served-model.js";
import { OutputFormatError } from "../models/grammar-cache.js";
import { withAdmittedJob } from "./admit-job.js";
import type { SlotPool } from "../slots/slot-pool.js";
import type { CancelRegistry } from "./cancel-registry.js";
import { ContextLengthExceededError, generate, prepareGeneration, type GenerationCallbacks, type PreparedGeneration } from "../generation/generate.js";
import { EmbeddingInputTooLongError } from "../embeddings/embed.js";
import { answerEmbedJob } from "../embeddings/embed-job.js";
import type { FlushClock } from "./flush-clock.js";
import type { JobMessage } from "./job-puller.js";
import { InvalidParameterError } from "../invalid-parameter-error.js";

export interface RunJobDeps {
  nc: NatsConnection;
  served: ServedModel;
  /** The model's free slots; a generation takes the one holding most of its prompt. */
  slots: SlotPool;
  cancels: CancelRegistry;
  workerId: string;
  /** How often to tell JetStream the job is still being worked on. */
  workingEveryMs: number;
  /** Paces the sending of generated text; none sends every piece at once. */
  flushClock: FlushClock | undefined;
  metrics: WorkerMetrics;
  logger: Logger;
}

/** Takes the free slot holding most of the prompt, generates on it, and gives it back. */
async function generateOnBestSlot(served: ServedModel, slots: SlotPool, prepared: PreparedGeneration, callbacks: GenerationCallbacks) {
  const { slot } = slots.take(prepared.tokens, promptPrefixDigests(prepared.job.input, prepared.job.tools));
  let emptied = false;
  try {
    return await generate(served, slot.sequence, prepared, callbacks);
  } catch (err) {
    // A generation that failed may have left its sequence half-written: the next job starts clean.
    await slot.sequence.clearHistory().catch(() => {});
    emptied = true;
    throw err;
  } finally {
    slots.release(slot, emptied);
  }
}

/**
 * Runs one pulled job, on the free slot whose cache holds most of its prompt: a generation streamed to the job's reply subject,
 * or an embed job's vectors, or the error that explains why not. Admission and settling of the
 * message are `withAdmittedJob`'s.
 */
export async function runJob(msg: JobMessage, deps: RunJobDeps): Promise<void> {
  const { served } = deps;
  await withAdmittedJob(msg, { ...deps, modelName: served.name }, async ({ job, reply, signal, attempt, queuedMs, log, trace }) => {
    try {
      if (job.input.kind === "embed") {
        await answerEmbedJob(job.input, { nc: deps.nc, served, reply, signal, workerId: deps.workerId, attempt, queuedMs, log });
        return;
      }
      const prepared = prepareGeneration(served, job);
      const result = await generateOnBestSlot(served, deps.slots, prepared, {
        signal,
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
        ...(result.stopSequence !== undefined ? { stopSequence: result.stopSequence } : {}),
        usage: result.usage,
        timings: { queuedMs, promptMs: result.promptMs, generateMs: result.generateMs },
      });
      const phases = { ...result.usage, promptMs: result.promptMs, generateMs: result.generateMs };
      deps.metrics.generated(served.name, phases);
      trace.generated(phases);
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
      trace.failed(err instanceof Error ? err.name : "generation failed");
      if (err instanceof ContextLengthExceededError) {
        // The gateway knows which request field holds the prompt.
        reply.error({ code: "context_length_exceeded", message: err.message });
      } else if (err instanceof EmbeddingInputTooLongError) {
        reply.error({ code: "context_length_exceeded", message: err.message, param: err.param });
      } else if (err instanceof InvalidParameterError) {
        reply.error({ code: "invalid_parameter", message: err.message, param: err.param });
      } else if (err instanceof OutputFormatError) {
        log.warn({ err: err.message }, "output format refused");
        const param = job.format?.type === "json_schema" ? "response_format.json_schema.schema" : job.format?.type === "gbnf" ? "grammar" : "response_format";
        reply.error({ code: "invalid_output_format", message: err.message, param });
      } else {
        log.error({ err }, "generation failed");
        reply.error({ code: "internal", message: "generation failed on the worker" });
      }
      return "error";
    }
  });
}
