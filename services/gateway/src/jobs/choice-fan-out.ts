import type { FinishReason, TokenLogprob, TokenUsage } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError, internalError } from "../errors/api-error.js";
import type { GenerationEvent, InferenceCall, InferenceClient, SubmitRequest } from "./inference-client.js";

/*
 * `n` choices are n jobs on the queue, not one job running n sequences: each choice takes a
 * free slot on any worker, so the choices of one request run side by side across workers, and
 * queueing, redelivery, cancel and the per-slot loops stay what they are for one choice. The
 * cost is evaluating the prompt once per choice.
 */

export interface ChoicesRequest extends SubmitRequest {
  n: number;
  /** The request field an over-long prompt is reported against. */
  promptParam: string;
}

/** A piece of a function call of one choice's reply (its own `index` among that reply's calls). */
type ChoiceToolCall = Omit<Extract<GenerationEvent, { kind: "tool_call" }>, "kind">;

/**
 * Output of one choice; `index` is the choice's. `seq` is the place in the choice's reply stream
 * of the reply the event came from (see `InferenceCall.position`); with one choice, what a
 * stream's event ids count.
 */
type ChoiceOutput =
  | { kind: "text"; index: number; seq: number; text: string; logprobs?: TokenLogprob[] }
  | { kind: "reasoning"; index: number; seq: number; text: string }
  | { kind: "tool_call"; index: number; seq: number; call: ChoiceToolCall };

export type ChoiceEvent =
  | ChoiceOutput
  /** `stopSequence`: which of the job's stop strings ended the choice, when one did. */
  | { kind: "finish"; index: number; seq: number; finishReason: FinishReason; stopSequence?: string | undefined }
  /** Every choice finished: the request's usage (the prompt once, the completions summed). */
  | { kind: "complete"; seq: number; usage: TokenUsage }
  | { kind: "error"; index: number; seq: number; error: ApiError };

type PumpEvent =
  | { kind: "accepted"; index: number; workerId: string; promptTokens: number }
  | ChoiceOutput
  | { kind: "done"; index: number; seq: number; finishReason: FinishReason; stopSequence: string | undefined; usage: TokenUsage }
  | { kind: "error"; index: number; seq: number; error: ApiError }
  /** The choice's job is over: after done or error, or silently when the request was aborted. */
  | { kind: "ended"; index: number };

/** Each choice draws its own tokens; choice 0 keeps the request's seed, so n = 1 is unchanged. */
export function choiceSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b9)) >>> 0;
}

/** Job ids stay subject-safe ([A-Za-z0-9_-]); a single choice keeps the request's own id. */
export function choiceRequestId(requestId: string, index: number, n: number): string {
  return n === 1 ? requestId : `${requestId}-c${index}`;
}

/** The events of all choices in arrival order; no bound is needed, each choice's job is finite. */
class EventQueue {
  private readonly items: PumpEvent[] = [];
  private wake: (() => void) | undefined;

  push(event: PumpEvent): void {
    this.items.push(event);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async next(): Promise<PumpEvent> {
    while (this.items.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.items.shift()!;
  }
}

/** The choices of one request, once at least one was accepted by a worker. */
export class ChoiceCalls {
  /** The workers that took a choice so far. */
  readonly workerIds = new Set<string>();

  constructor(
    readonly n: number,
    private readonly queue: EventQueue,
    private readonly abort: AbortController,
    firstWorkerId: string,
    /** Choices withdrawn before the first acceptance (the client was going away). */
    private readonly endedBefore: number,
    /** The prompt's tokens, as the first worker to accept counted them. */
    readonly promptTokens = 0,
  ) {
    this.workerIds.add(firstWorkerId);
  }

  /**
   * Text and finishes of every choice as they come, then `complete`; or an `error` as soon as
   * one choice fails, after which the others are cancelled. Ends early, with neither, only when
   * the client went away. Leaving the loop early cancels every choice still running.
   */
  async *events(): AsyncGenerator<ChoiceEvent> {
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
    let finished = 0;
    let lastSeq = 0;
    let ended = this.endedBefore;
    try {
      while (finished < this.n && ended < this.n) {
        const event = await this.queue.next();
        switch (event.kind) {
          case "accepted":
            this.workerIds.add(event.workerId);
            break;
          case "text":
          case "reasoning":
          case "tool_call":
            yield event;
            break;
          case "done":
            finished++;
            // Every choice evaluated the same prompt; OpenAI counts it once.
            usage.promptTokens = event.usage.promptTokens;
            // Each choice ran on its own slot: report what every one of them found cached.
            usage.cachedTokens = Math.min(usage.cachedTokens ?? Infinity, event.usage.cachedTokens ?? 0);
            usage.completionTokens += event.usage.completionTokens;
            lastSeq = event.seq;
            yield { kind: "finish", index: event.index, seq: event.seq, finishReason: event.finishReason, stopSequence: event.stopSequence };
            break;
          case "error":
            yield event;
            return;
          case "ended":
            ended++;
            break;
        }
      }
      if (finished === this.n) yield { kind: "complete", seq: lastSeq, usage };
    } finally {
      this.abort.abort();
    }
  }
}

/** Passes one accepted call's events on as choice `index`'s, each with its place in the reply stream. */
async function relay(call: InferenceCall, index: number, queue: EventQueue): Promise<void> {
  queue.push({ kind: "accepted", index, workerId: call.accepted.workerId, promptTokens: call.accepted.promptTokens });
  for await (const event of call.events()) {
    // Read while the call waits at this event: the reply it came from.
    const seq = call.position;
    if (event.kind === "text" || event.kind === "reasoning") queue.push({ ...event, index, seq });
    else if (event.kind === "tool_call") {
      const { kind, ...piece } = event;
      queue.push({ kind, index, seq, call: piece });
    } else if (event.kind === "done") {
      const { finishReason, stopSequence, usage } = event.done;
      queue.push({ kind: "done", index, seq, finishReason, stopSequence, usage });
    }
    else queue.push({ kind: "error", index, seq, error: event.error });
  }
}

/**
 * The one choice of a call that is already running (a resumed stream's), as `submitChoices`
 * gives it. `abort` is aborted when the events are left, early or not.
 */
export function followChoice(call: InferenceCall, abort: AbortController): ChoiceCalls {
  const queue = new EventQueue();
  void relay(call, 0, queue)
    .catch((err: unknown) => queue.push({ kind: "error", index: 0, seq: call.position, error: err instanceof ApiError ? err : internalError(undefined, err) }))
    .finally(() => queue.push({ kind: "ended", index: 0 }));
  return new ChoiceCalls(1, queue, abort, call.accepted.workerId, 0, call.accepted.promptTokens);
}

/**
 * Queues one job per choice and resolves once a worker accepted one of them, so that a refusal
 * (a prompt too long, a bad parameter: the same for every choice) is still an HTTP error.
 */
export async function submitChoices(inference: InferenceClient, req: ChoicesRequest): Promise<ChoiceCalls> {
  const { n, promptParam } = req;
  // All choices fit under the queue bound or none is queued; the per-job checks below then pass,
  // as the jobs are submitted in this same turn of the event loop.
  inference.ensureRoom(req.model, req.priority, n);
  const queue = new EventQueue();
  // Aborted when the client goes away, when a choice fails, or when all are done.
  const abort = new AbortController();
  const signal = AbortSignal.any([req.signal, abort.signal]);

  const pump = async (index: number) => {
    try {
      const call = await inference.submit(
        {
          ...req,
          requestId: choiceRequestId(req.requestId, index, n),
          job: { ...req.job, sampling: { ...req.job.sampling, seed: choiceSeed(req.job.sampling.seed, index) } },
          signal,
        },
        promptParam,
      );
      await relay(call, index, queue);
    } catch (err) {
      if (!(err instanceof ClientGoneError)) {
        queue.push({ kind: "error", index, seq: 0, error: err instanceof ApiError ? err : internalError(undefined, err) });
      }
    } finally {
      queue.push({ kind: "ended", index });
    }
  };
  for (let index = 0; index < n; index++) void pump(index);

  // Before any acceptance a choice can only be accepted, refused, or withdrawn (client gone).
  for (let ended = 0; ended < n; ) {
    const first = await queue.next();
    if (first.kind === "accepted") return new ChoiceCalls(n, queue, abort, first.workerId, ended, first.promptTokens);
    if (first.kind === "error") {
      abort.abort();
      throw first.error;
    }
    if (first.kind === "ended") ended++;
  }
  throw new ClientGoneError();
}
