import { outputFormatOf, type GenerationParams, type InferError, type OutputFormat, type StageAnswer } from "@lantern/shared/contracts";
import type { InferenceClient, InferenceErrors } from "@lantern/shared/inference";
import { accountedCall } from "./accounted-call.js";
import { samplingOf } from "./sampling.js";
import { KeyLimitError, type CallAccount, type ModelUsage } from "./model-usage.js";

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

interface ModelCall {
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

/** One model answers one prompt, as an inference job on INFER, admitted and accounted for by its key; throws StageCallError. */
export class ModelCaller {
  constructor(
    private readonly client: InferenceClient<StageCallError>,
    private readonly usage: ModelUsage,
  ) {}

  async answer(call: ModelCall): Promise<StageAnswer> {
    const messages = [...(call.system ? [{ role: "system" as const, content: call.system }] : []), { role: "user" as const, content: call.prompt }];
    const startedAt = performance.now();
    const request = {
      requestId: call.requestId,
      model: call.model,
      job: {
        input: { kind: "chat" as const, messages },
        sampling: samplingOf(call.params),
        // A vote's own grammar first; otherwise what the stage's parameters ask for.
        format: call.format ?? outputFormatOf(call.params),
      },
      priority: "normal" as const,
      signal: call.signal,
      account: call.account,
      onText: call.onText,
    };
    const { text, done, workerId } = await accountedCall(this.client, this.usage, request, stageCallErrors.callerGone).catch((err: unknown) => {
      throw err instanceof KeyLimitError ? new StageCallError(err.message) : err;
    });
    return {
      model: call.model,
      role: call.role,
      text,
      promptTokens: done.usage.promptTokens,
      completionTokens: done.usage.completionTokens,
      ms: Math.round(performance.now() - startedAt),
      workerId,
      finishReason: done.finishReason,
    };
  }
}
