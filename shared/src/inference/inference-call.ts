import { textChannel, type InferAccepted, type InferDone, type InferError, type InferReply, type TokenLogprob } from "../contracts/index.js";
import { freshOutput, type FreshOutput, type OutputPiece } from "./fresh-output.js";
import type { JobWatch } from "./job-watch.js";
import type { ReplyQueue } from "./reply-queue.js";
import { RESEND_WAIT_MS } from "./resent-replies.js";

/**
 * How a client of the inference jobs turns failures into its own errors: the gateway into its
 * HTTP errors, the orchestrator into stage failures.
 */
export interface InferenceErrors<E> {
  /** A worker's error variant; `promptParam` names where the prompt came from in the caller's request. */
  fromWorker(error: InferError, promptParam: string): E;
  /** The worker stopped answering and no other took the job over in time. */
  stalled(message: string): E;
  /** No worker had a free slot within the queue timeout (the job was withdrawn). */
  noSlot(message: string): E;
  /** The job could not be queued (JetStream unavailable). */
  queueUnavailable(message: string): E;
  /** A reply that breaks the protocol. */
  internal(message: string): E;
  /** The caller's signal aborted while waiting for a slot or a vector. */
  callerGone(): Error;
}

export type GenerationEvent<E> =
  | { kind: "text"; text: string; logprobs?: TokenLogprob[] }
  | { kind: "reasoning"; text: string }
  /** A piece of the arguments of call `index`; `first` on the call's first piece. */
  | { kind: "tool_call"; index: number; name: string; arguments: string; first: boolean }
  | { kind: "done"; done: InferDone }
  | { kind: "error"; error: E };

interface EmbeddingsResult {
  /** One per input, in input order: base64 of little-endian float32, unit length. */
  vectors: string[];
  done: InferDone;
}

/** One run of the job: where its replies arrive, how to stop it, how to stop listening. */
export interface JobRun {
  accepted: InferAccepted;
  queue: ReplyQueue;
  cancel(): void;
  finish(): void;
}

interface InferenceCallOptions<E> {
  stallTimeoutMs: number;
  signal: AbortSignal;
  promptParam: string;
  errors: InferenceErrors<E>;
  onFinish: () => void;
  cancel: () => void;
  /** The job's span and timings, ended with the call. */
  watch?: JobWatch;
  /**
   * The job's replies from the start once more (null when that cannot be): its kept replies read
   * back from stream REPLIES, or a new run under a new id with the same seed. Used when replies
   * were lost on the way (twice at most); the text the caller has is skipped as after a redelivery.
   */
  rerun?: () => Promise<JobRun | null>;
  /** Whether this client's NATS link dropped since the call began (replies sent meanwhile are lost). */
  linkDropped?: () => boolean;
  /**
   * Asks the worker to send the job's replies again, whole (it keeps them a while after the end).
   * With it, a hole in the text is first waited on for `holeWaitMs`: the resend fills it in
   * milliseconds, where running the job again queues it anew.
   */
  askResend?: () => void;
  holeWaitMs?: number;
}

const STALLED = "The worker stopped answering and no other worker took the job over in time.";
/** Replies got again at most this often per call: read back from REPLIES, then a new run. */
const MAX_RERUNS = 2;
const LOST = "Part of the answer was lost on its way from the worker (a NATS node was lost); retry the request.";

/** A job a worker has accepted: its text arrives through `events()`. */
export class InferenceCall<E> {
  /** Text already handed to the caller per channel (content, reasoning, each call's arguments), in UTF-16 units. */
  private readonly delivered = new Map<string, number>();
  private attempt: number;
  private finished = false;
  /** Replies taken so far, the `accepted` that made this call included. */
  private taken = 1;
  private run: Omit<JobRun, "accepted">;
  private reruns = 0;
  /** When a hole in the text was seen that the worker's resend has not filled yet. */
  private holeSince: number | undefined;

  constructor(
    readonly accepted: InferAccepted,
    queue: ReplyQueue,
    private readonly opts: InferenceCallOptions<E>,
  ) {
    this.attempt = accepted.attempt;
    this.run = { queue, cancel: opts.cancel, finish: opts.onFinish };
  }

  /**
   * How many of the job's replies were read, up to the one the last event came from: an event's
   * place in the reply stream, the same for every reader of it (what a resume names).
   */
  get position(): number {
    return this.taken;
  }

  /** Asks the worker to stop; the events go on to the `done` it then sends. */
  cancel(): void {
    this.run.cancel();
  }

  /** After replies were lost: the job's replies from the start, the caller none the wiser. False when that cannot be. */
  private async rerunAfterLoss(): Promise<boolean> {
    if (this.reruns >= MAX_RERUNS || !this.opts.rerun) return false;
    this.reruns++;
    this.run.finish();
    const next = await this.opts.rerun().catch(() => null);
    if (!next) return false;
    this.run = next;
    return true;
  }

  /**
   * Text in order, then exactly one `done` or `error`. A job redelivered after its worker died
   * starts again at offset 0 with the same seed; text the caller already has is skipped, on
   * each channel by its own offsets.
   */
  async *events(): AsyncGenerator<GenerationEvent<E>> {
    const { errors, watch } = this.opts;
    try {
      for (;;) {
        const reply = await this.run.queue.next(this.waitMs(), this.opts.signal);
        if (reply === "aborted") {
          this.run.cancel();
          watch?.end("cancelled");
          return;
        }
        if (reply === "timeout" && this.holeSince !== undefined) {
          // The resend did not come (the worker is gone, or the job ended too long ago).
          this.holeSince = undefined;
          if (await this.rerunAfterLoss()) continue;
          yield this.endLost();
          return;
        }
        if (reply === "timeout") {
          if (this.opts.linkDropped?.() && (await this.rerunAfterLoss())) continue;
          this.run.cancel();
          watch?.end("error", "stalled");
          yield { kind: "error", error: errors.stalled(STALLED) };
          return;
        }
        this.taken++;
        if (reply.kind === "chunk" || reply.kind === "reasoning" || reply.kind === "tool_call") watch?.firstOutput();
        if (this.lostBefore(reply)) {
          if (this.awaitResend()) continue;
          if (await this.rerunAfterLoss()) continue;
          yield this.endLost();
          return;
        }
        if (reply.kind !== "accepted") this.holeSince = undefined;
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
            watch?.end("done");
            yield { kind: "done", done: reply };
            return;
          case "error":
            watch?.end("error", reply.code);
            yield { kind: "error", error: errors.fromWorker(reply, this.opts.promptParam) };
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
    const { errors, watch } = this.opts;
    const vectors = new Array<string | undefined>(count).fill(undefined);
    try {
      for (;;) {
        const reply = await this.run.queue.next(this.opts.stallTimeoutMs, this.opts.signal);
        if (reply === "aborted") {
          this.run.cancel();
          watch?.end("cancelled");
          throw errors.callerGone();
        }
        if (reply === "timeout") {
          this.run.cancel();
          throw errors.stalled(STALLED);
        }
        switch (reply.kind) {
          case "accepted":
            this.attempt = Math.max(this.attempt, reply.attempt);
            break;
          case "embeddings":
            if (reply.index + reply.vectors.length > count) throw errors.internal("The worker sent more vectors than there are inputs.");
            reply.vectors.forEach((vector, i) => (vectors[reply.index + i] = vector));
            break;
          case "done": {
            if (vectors.includes(undefined)) throw errors.internal("The worker finished without a vector for every input.");
            watch?.end("done");
            return { vectors: vectors as string[], done: reply };
          }
          case "error":
            throw errors.fromWorker(reply, this.opts.promptParam);
          case "chunk":
            throw errors.internal("The worker answered an embed job with text.");
        }
      }
    } catch (err) {
      watch?.end("error", err instanceof Error ? err.message : undefined);
      throw err;
    } finally {
      this.finish();
    }
  }

  /** Gives up on replies lost on the way that could not be got again: the job stops, the caller gets an error. */
  private endLost(): GenerationEvent<E> {
    this.run.cancel();
    this.opts.watch?.end("error", "replies lost");
    return { kind: "error", error: this.opts.errors.internal(LOST) };
  }

  /** How long the next reply may take: the stall timeout, or what is left of a hole's wait for the resend. */
  private waitMs(): number {
    if (this.holeSince === undefined) return this.opts.stallTimeoutMs;
    return Math.max(0, Math.min(this.opts.stallTimeoutMs, this.holeSince + (this.opts.holeWaitMs ?? RESEND_WAIT_MS) - Date.now()));
  }

  /** On a hole: asks the worker for the replies again (once per hole); the resend carries this one too. False: no one to ask. */
  private awaitResend(): boolean {
    if (!this.opts.askResend) return false;
    if (this.holeSince === undefined) {
      this.holeSince = Date.now();
      this.opts.askResend();
    }
    return true;
  }

  /**
   * Whether text before this reply never arrived: replies come over core NATS, and a client
   * reconnecting to another node misses those sent meanwhile. Passing a piece on, or an end that
   * says more was sent, would leave a hole in the answer that nobody sees.
   */
  private lostBefore(reply: InferReply): boolean {
    // An end while a hole waits for the resend: the resend carries the end too.
    if (reply.kind === "done") return this.holeSince !== undefined || Object.entries(reply.sent ?? {}).some(([channel, length]) => length > (this.delivered.get(channel) ?? 0));
    if (reply.kind !== "chunk" && reply.kind !== "reasoning" && reply.kind !== "tool_call") return false;
    const channel = reply.kind === "chunk" ? textChannel.content : reply.kind === "reasoning" ? textChannel.reasoning : textChannel.toolCall(reply.index);
    return reply.offset > (this.delivered.get(channel) ?? 0);
  }

  /** What of a piece at `offset` the caller does not have yet (after a redelivery the new attempt resends from 0). */
  private fresh(channel: string, piece: OutputPiece): FreshOutput {
    const delivered = this.delivered.get(channel) ?? 0;
    const fresh = freshOutput(piece, delivered);
    if (fresh.text || !this.delivered.has(channel)) this.delivered.set(channel, Math.max(delivered, piece.offset) + fresh.text.length);
    return fresh;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    // A caller that stopped reading before the end (its client went away).
    this.opts.watch?.end("cancelled");
    this.run.finish();
  }
}
