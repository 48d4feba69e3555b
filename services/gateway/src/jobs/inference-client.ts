import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import {
  encodeMessage,
  InferJob,
  JobHeader,
  toModelToken,
  type OutputFormat,
  type InferAccepted,
  type InferDone,
  type InferError,
  type InferInput,
  type LogprobsRequest,
  type NatsNames,
  type Priority,
  type ReasoningOptions,
  type Sampling,
  type TokenLogprob,
  type ToolUse,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ApiError, ClientGoneError, internalError, invalidRequest, noCapacity, queueFull, upstreamTimeout } from "../errors/api-error.js";
import { freshOutput, type FreshOutput, type OutputPiece } from "./fresh-output.js";
import type { QueueMonitor } from "./queue-monitor.js";
import { ReplyQueue } from "./reply-queue.js";
import type { ReplyRouter } from "./reply-router.js";

export interface InferenceClientOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  router: ReplyRouter;
  /** How long a job may wait for a free slot before the client gets 503. */
  queueTimeoutMs: number;
  /** How long a started job may go without any reply (covers a worker lost and the job redelivered). */
  stallTimeoutMs: number;
  queues: QueueMonitor;
  /** A job is refused when this many of its model's jobs wait at its priority or above; 0: no bound. */
  queueLimit: number;
  logger: Logger;
}

export interface SubmitRequest {
  requestId: string;
  model: string;
  input: InferInput;
  sampling: Sampling;
  format: OutputFormat | undefined;
  priority: Priority;
  tools?: ToolUse | undefined;
  reasoning?: ReasoningOptions | undefined;
  logprobs?: LogprobsRequest | undefined;
  /** Aborted when the client goes away: the job is withdrawn or cancelled. */
  signal: AbortSignal;
}

export type GenerationEvent =
  | { kind: "text"; text: string; logprobs?: TokenLogprob[] }
  | { kind: "reasoning"; text: string }
  /** A piece of the arguments of call `index`; `first` on the call's first piece. */
  | { kind: "tool_call"; index: number; name: string; arguments: string; first: boolean }
  | { kind: "done"; done: InferDone }
  | { kind: "error"; error: ApiError };

export interface EmbeddingsResult {
  /** One per input, in input order: base64 of little-endian float32, unit length. */
  vectors: string[];
  done: InferDone;
}

/** Maps a worker's error variant to what the edge answers. */
export function apiErrorFromWorker(error: InferError, promptParam: string): ApiError {
  switch (error.code) {
    case "context_length_exceeded":
      // An embed job names the input that is too long; a generation job leaves it to the edge.
      return invalidRequest(error.message, error.param ?? promptParam, "context_length_exceeded");
    case "invalid_output_format":
      return invalidRequest(error.message, error.param ?? "response_format", "unsupported_schema");
    case "invalid_parameter":
      return invalidRequest(error.message, error.param, "invalid_value");
    case "model_not_loaded":
      return noCapacity(error.message, 1);
    default:
      return internalError(error.message);
  }
}

/** A job a worker has accepted: its text arrives through `events()`. */
export class InferenceCall {
  /** Text already handed to the client per channel (content, reasoning, each call's arguments), in UTF-16 units. */
  private readonly delivered = new Map<string, number>();
  private attempt: number;
  private finished = false;

  constructor(
    readonly accepted: InferAccepted,
    private readonly queue: ReplyQueue,
    private readonly opts: { stallTimeoutMs: number; signal: AbortSignal; promptParam: string; onFinish: () => void; cancel: () => void },
  ) {
    this.attempt = accepted.attempt;
  }

  /**
   * Text in order, then exactly one `done` or `error`. A job redelivered after its worker died
   * starts again at offset 0 with the same seed; text the client already has is skipped, on
   * each channel by its own offsets.
   */
  async *events(): AsyncGenerator<GenerationEvent> {
    try {
      for (;;) {
        const reply = await this.queue.next(this.opts.stallTimeoutMs, this.opts.signal);
        if (reply === "aborted") {
          this.opts.cancel();
          return;
        }
        if (reply === "timeout") {
          this.opts.cancel();
          yield { kind: "error", error: upstreamTimeout("The worker stopped answering and no other worker took the job over in time.") };
          return;
        }
        switch (reply.kind) {
          case "accepted":
            this.attempt = Math.max(this.attempt, reply.attempt);
            break;
          case "chunk": {
            // The tokens' logprobs are skipped with the text they spell.
            const fresh = this.fresh("content", reply);
            if (fresh.text) yield { kind: "text", text: fresh.text, ...(fresh.logprobs ? { logprobs: fresh.logprobs } : {}) };
            break;
          }
          case "reasoning": {
            const fresh = this.fresh("reasoning", reply).text;
            if (fresh) yield { kind: "reasoning", text: fresh };
            break;
          }
          case "tool_call": {
            const channel = `tool_call:${reply.index}`;
            const first = !this.delivered.has(channel);
            const fresh = this.fresh(channel, { offset: reply.offset, text: reply.arguments }).text;
            // A call's first piece is passed on even when empty: it carries the function's name.
            if (fresh || first) yield { kind: "tool_call", index: reply.index, name: reply.name, arguments: fresh, first };
            break;
          }
          case "done":
            yield { kind: "done", done: reply };
            return;
          case "error":
            yield { kind: "error", error: apiErrorFromWorker(reply, this.opts.promptParam) };
            return;
        }
      }
    } finally {
      this.finish();
    }
  }

  /**
   * The vectors of an embed job, by input index, once its `done` arrives. A job redelivered after
   * its worker died sends them again; the same input gives the same vector, so a copy overwrites.
   */
  async embeddings(count: number): Promise<EmbeddingsResult> {
    const vectors = new Array<string | undefined>(count).fill(undefined);
    try {
      for (;;) {
        const reply = await this.queue.next(this.opts.stallTimeoutMs, this.opts.signal);
        if (reply === "aborted") {
          this.opts.cancel();
          throw new ClientGoneError();
        }
        if (reply === "timeout") {
          this.opts.cancel();
          throw upstreamTimeout("The worker stopped answering and no other worker took the job over in time.");
        }
        switch (reply.kind) {
          case "accepted":
            this.attempt = Math.max(this.attempt, reply.attempt);
            break;
          case "embeddings":
            if (reply.index + reply.vectors.length > count) throw internalError("The worker sent more vectors than there are inputs.");
            reply.vectors.forEach((vector, i) => (vectors[reply.index + i] = vector));
            break;
          case "done": {
            if (vectors.includes(undefined)) throw internalError("The worker finished without a vector for every input.");
            return { vectors: vectors as string[], done: reply };
          }
          case "error":
            throw apiErrorFromWorker(reply, this.opts.promptParam);
          case "chunk":
            throw internalError("The worker answered an embed job with text.");
        }
      }
    } finally {
      this.finish();
    }
  }

  /** What of a piece at `offset` the client does not have yet (after a redelivery the new attempt resends from 0). */
  private fresh(channel: string, piece: OutputPiece): FreshOutput {
    const delivered = this.delivered.get(channel) ?? 0;
    const fresh = freshOutput(piece, delivered);
    if (fresh.text || !this.delivered.has(channel)) this.delivered.set(channel, Math.max(delivered, piece.offset) + fresh.text.length);
    return fresh;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.opts.onFinish();
  }
}

/** Publishes jobs on the INFER work queue and follows their replies. */
export class InferenceClient {
  constructor(private readonly opts: InferenceClientOptions) {}

  /**
   * Refuses (503 queue_full) unless `jobs` more jobs of `model` at `priority` fit under the queue
   * bound: one request's jobs are admitted together or not at all. A request of more jobs than
   * the bound could ever hold is a 400 naming `param`.
   */
  ensureRoom(model: string, priority: Priority, jobs = 1, param = "n"): void {
    const { queueLimit, queues } = this.opts;
    if (queueLimit <= 0) return;
    if (jobs > queueLimit) {
      throw invalidRequest(`'${param}' asks for ${jobs} jobs at once, more than the ${queueLimit} this gateway queues per model.`, param, "invalid_value");
    }
    const ahead = queues.ahead(model, priority);
    if (ahead + jobs <= queueLimit) return;
    // Waiting about as long as the oldest job has is a fair first guess of when room frees up.
    const oldestMs = queues.get(model)?.oldestWaitMs ?? 1_000;
    throw queueFull(model, ahead, Math.min(60, Math.max(1, Math.ceil(oldestMs / 1_000))));
  }

  /**
   * Queues the job and resolves once a worker accepted it. Throws ApiError when no slot frees up
   * within the queue timeout (the job is withdrawn) or the worker refuses the job.
   */
  async submit(request: SubmitRequest, promptParam: string): Promise<InferenceCall> {
    const { nc, js, jsm, names, router, logger } = this.opts;
    const { requestId, signal, priority } = request;
    this.ensureRoom(request.model, priority);
    const queue = new ReplyQueue();
    router.register(requestId, (reply) => queue.push(reply));
    const startBy = Date.now() + this.opts.queueTimeoutMs;
    const job: InferJob = {
      v: 1,
      requestId,
      model: request.model,
      replyTo: router.replySubject(requestId),
      startBy,
      priority,
      input: request.input,
      sampling: request.sampling,
      ...(request.format ? { format: request.format } : {}),
      ...(request.tools ? { tools: request.tools } : {}),
      ...(request.reasoning ? { reasoning: request.reasoning } : {}),
      ...(request.logprobs ? { logprobs: request.logprobs } : {}),
    };
    const hdrs = natsHeaders();
    hdrs.set(JobHeader.requestId, requestId);
    hdrs.set(JobHeader.deadline, String(startBy));
    const cancel = () => nc.publish(names.subjects.cancel(requestId));

    let streamSeq: number;
    try {
      const ack = await js.publish(names.subjects.inferJob(toModelToken(request.model), priority), encodeMessage(InferJob, job), {
        msgID: requestId,
        headers: hdrs,
      });
      streamSeq = ack.seq;
      this.opts.queues.noteQueued(request.model, priority, ack.seq);
    } catch (err) {
      router.unregister(requestId);
      logger.error({ err, requestId }, "could not queue job");
      throw noCapacity("The job queue is unavailable right now.", 2);
    }
    const withdraw = () => {
      router.unregister(requestId);
      cancel();
      // Remove the job if still queued; if a worker took it meanwhile, the cancel stops it.
      jsm.streams.deleteMessage(names.streams.infer, streamSeq).catch(() => {});
    };

    const first = await queue.next(this.opts.queueTimeoutMs, signal);
    this.opts.queues.noteLeft(request.model, streamSeq);
    if (first === "timeout" || first === "aborted") {
      withdraw();
      if (first === "aborted") throw new ClientGoneError();
      throw noCapacity(`No worker for '${request.model}' had a free slot within ${this.opts.queueTimeoutMs} ms.`, 1);
    }
    if (first.kind === "error") {
      router.unregister(requestId);
      throw apiErrorFromWorker(first, promptParam);
    }
    if (first.kind !== "accepted") {
      withdraw();
      throw internalError("The worker answered out of order.");
    }
    return new InferenceCall(first, queue, {
      stallTimeoutMs: this.opts.stallTimeoutMs,
      signal,
      promptParam,
      onFinish: () => router.unregister(requestId),
      cancel,
    });
  }
}
