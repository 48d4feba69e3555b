import type { InferDone } from "@lantern/shared/contracts";
import type { InferenceClient, SubmitRequest } from "@lantern/shared/inference";
import { DEFAULT_MAX_TOKENS } from "./sampling.js";
import type { CallAccount, CallOutcome, ModelUsage } from "./model-usage.js";

interface AccountedCallRequest extends SubmitRequest {
  account: CallAccount;
  /** Each piece of text as it arrives. */
  onText?: ((text: string) => void) | undefined;
}

interface AccountedCallResult {
  text: string;
  done: InferDone;
  workerId: string;
}

/**
 * One model call of queued work: admitted by its key's limits (waiting for room when that comes
 * soon), run as an inference job, and settled with its real tokens and one usage event however it
 * ends. Throws KeyLimitError when the key refuses it, the worker's error, or `stopped()` when the
 * request's signal aborts.
 */
export async function accountedCall<E>(client: InferenceClient<E>, usage: ModelUsage, req: AccountedCallRequest, stopped: () => Error): Promise<AccountedCallResult> {
  const { account, onText, ...submit } = req;
  const claim = { requestId: submit.requestId, model: submit.model, input: submit.job.input, maxTokens: submit.job.sampling.maxTokens ?? DEFAULT_MAX_TOKENS };
  const admitted = await usage.admit(account, claim, submit.signal).catch((err: unknown) => {
    throw submit.signal.aborted ? stopped() : err;
  });
  const outcome: CallOutcome = { workerIds: [], usage: null, ttftMs: null, error: null };
  try {
    const submitted = await client.submit(submit, "prompt");
    const workerId = submitted.accepted.workerId;
    outcome.workerIds = [workerId];
    let text = "";
    for await (const event of submitted.events()) {
      if (event.kind === "text") {
        outcome.ttftMs ??= Date.now() - admitted.startedAt;
        text += event.text;
        onText?.(event.text);
      } else if (event.kind === "error") {
        throw event.error;
      } else if (event.kind === "done") {
        outcome.usage = event.done.usage;
        return { text, done: event.done, workerId };
      }
    }
    // The events end without done or error only when the signal aborted.
    throw stopped();
  } catch (err) {
    outcome.stopped = submit.signal.aborted;
    outcome.error = outcome.stopped ? "stopped" : (err as Error).message;
    throw err;
  } finally {
    admitted.finish(outcome);
  }
}
