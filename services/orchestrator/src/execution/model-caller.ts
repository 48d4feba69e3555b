import { randomInt } from "node:crypto";
import type { GenerationParams, InferError, OutputFormat, Sampling, StageAnswer } from "@lantern/shared/contracts";
import type { InferenceClient, InferenceErrors } from "@lantern/shared/inference";
import { KeyLimitError, type CallAccount, type CallOutcome, type ModelUsage } from "./model-usage.js";

/** A model call that did not produce an answer; the message says which model and why. */
export class StageCallError extends Error {
  override name = "StageCallError";
}

/** How the orchestrator words each way a model call fails. */
export const stageCallErrors: InferenceErrors<StageCallError> = {
  fromWorker: (error: InferError) => new StageCallError(`the worker refused the job (${error.code}): ${error.message}`),
  stalled: (message) => new StageCallError(message),
  noSlot: (message) => new StageCallError(`${message} Is a worker serving it running?`),
  queueUnavailable: (message) => new StageCallError(message),
  internal: (message) => new StageCallError(message),
  callerGone: () => new StageCallError("the run was stopped"),
};

export const DEFAULT_MAX_TOKENS = 256;

export interface ModelCall {
  requestId: string;
  model: string;
  role: StageAnswer["role"];
  system: string | null;
  prompt: string;
  params: GenerationParams;
  format?: OutputFormat;
  signal: AbortSignal;
  /** Who its usage event is for. */
  account: CallAccount;
  /** Each piece of text as it arrives. */
  onText?: (text: string) => void;
}

export function samplingOf(params: GenerationParams): Sampling {
  return {
    maxTokens: params.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: params.temperature ?? 0.7,
    topP: params.top_p ?? 1,
    seed: params.seed ?? randomInt(0, 2 ** 31),
    presencePenalty: params.presence_penalty ?? 0,
    frequencyPenalty: params.frequency_penalty ?? 0,
    stop: params.stop ?? [],
  };
}

/** One model answers one prompt, as an inference job on INFER, admitted and accounted for by its key; throws StageCallError. */
export class ModelCaller {
  constructor(
    private readonly client: InferenceClient<StageCallError>,
    private readonly usage: ModelUsage,
  ) {}

  async answer(call: ModelCall): Promise<StageAnswer> {
    const messages = [...(call.system ? [{ role: "system" as const, content: call.system }] : []), { role: "user" as const, content: call.prompt }];
    const input = { kind: "chat" as const, messages };
    const sampling = samplingOf(call.params);
    const admitted = await this.usage.admit(call.account, { requestId: call.requestId, model: call.model, input, maxTokens: sampling.maxTokens ?? DEFAULT_MAX_TOKENS }, call.signal).catch((err: unknown) => {
      if (err instanceof KeyLimitError) throw new StageCallError(err.message);
      throw call.signal.aborted ? stageCallErrors.callerGone() : err;
    });
    const startedAt = performance.now();
    const outcome: CallOutcome = { workerIds: [], usage: null, ttftMs: null, error: null };
    try {
      const job = await this.client.submit(
        { requestId: call.requestId, model: call.model, input, sampling, format: call.format, priority: "normal", signal: call.signal },
        "prompt",
      );
      outcome.workerIds = [job.accepted.workerId];
      let text = "";
      for await (const event of job.events()) {
        if (event.kind === "text") {
          outcome.ttftMs ??= Date.now() - admitted.startedAt;
          text += event.text;
          call.onText?.(event.text);
        } else if (event.kind === "error") {
          throw event.error;
        } else if (event.kind === "done") {
          outcome.usage = event.done.usage;
          return {
            model: call.model,
            role: call.role,
            text,
            promptTokens: event.done.usage.promptTokens,
            completionTokens: event.done.usage.completionTokens,
            ms: Math.round(performance.now() - startedAt),
            workerId: job.accepted.workerId,
            finishReason: event.done.finishReason,
          };
        }
      }
      // The events end without done or error only when the signal aborted.
      throw stageCallErrors.callerGone();
    } catch (err) {
      outcome.stopped = call.signal.aborted;
      outcome.error = outcome.stopped ? "stopped" : (err as Error).message;
      throw err;
    } finally {
      admitted.finish(outcome);
    }
  }
}
