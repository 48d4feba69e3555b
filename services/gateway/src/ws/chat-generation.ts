import { ChatCompletionRequest, type WsChatServerMessage } from "@lantern/shared/contracts";
import type { TrackedLedger } from "../edge/tracked-ledger.js";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import { toApiError } from "../errors/render-error.js";
import type { GatewayDeps } from "../http/gateway-env.js";
import { contextSizeOf, ensureServed, promptBytes } from "../http/serve-generation.js";
import { submitChoices } from "../jobs/choice-fan-out.js";
import { chatInput, formatFrom, reasoningFrom, samplingFrom } from "../openai/to-job.js";
import { CHAT_SOCKET_PATH } from "./chat-path.js";

/** A frame of one chat, without the chat's id (the session adds it). */
export type ChatFrame = WsChatServerMessage extends infer F ? (F extends { id: unknown } ? Omit<F, "id"> : never) : never;

export interface ChatGeneration {
  requestId: string;
  /** The chat completion body the frame amounts to (model, messages and params). */
  body: Record<string, unknown>;
  ledger: TrackedLedger;
  /** Aborted by a `stop` frame, a `reset`, or the socket closing: the job is withdrawn or cancelled. */
  signal: AbortSignal;
  send(frame: ChatFrame): void;
}

/** What the chat produced, for the socket's history; null when it failed or was stopped. */
export interface ChatAnswer {
  content: string;
  reasoning: string;
}

/**
 * One chat on a socket, through the same steps as a streamed `/v1/chat/completions`: the body's
 * validation, the model check, the key's admission and limits, the job on the queue, and one
 * usage event when it ends (status 200, the error's status, or 499 when stopped).
 */
export async function streamChat(deps: GatewayDeps, gen: ChatGeneration): Promise<ChatAnswer | null> {
  const { ledger, send } = gen;
  let status = 499;
  try {
    const req = ChatCompletionRequest.parse({ ...gen.body, stream: true });
    ledger.requestedModel(req.model);
    ledger.streaming();
    ensureServed(deps, req.model);
    const sampling = samplingFrom(req);
    const input = chatInput(req);
    await ledger.admit({
      model: req.model,
      promptTokensEstimate: promptBytes(input),
      completionTokensLimit: sampling.maxTokens ?? contextSizeOf(deps, req.model),
    });
    // A chat's replies are kept for a while, so that it can be resumed on another socket (another gateway's).
    const keep = deps.streams.enabled;
    const calls = await submitChoices(deps.inference, {
      requestId: gen.requestId,
      model: req.model,
      input,
      sampling,
      format: formatFrom(req),
      reasoning: reasoningFrom(req),
      priority: req.priority ?? "normal",
      n: 1,
      promptParam: "messages",
      signal: gen.signal,
      keep,
    });
    ledger.servedBy({ provider: "local", workerIds: calls.workerIds });
    if (keep) {
      deps.streams.record({
        v: 1,
        requestId: gen.requestId,
        gatewayId: deps.edge.gatewayId,
        keyId: ledger.caller.keyId,
        method: "WS",
        path: CHAT_SOCKET_PATH,
        at: Date.now(),
        promptParam: "messages",
        shape: { kind: "chat", id: `chatcmpl-${gen.requestId}`, model: req.model, created: Math.floor(Date.now() / 1000), includeUsage: false, legacyFunctions: false },
      });
    }
    const place = (seq: number) => (keep ? { request_id: gen.requestId, seq } : {});
    const answer: ChatAnswer = { content: "", reasoning: "" };
    let finishReason: "stop" | "length" | "cancelled" | "tool_calls" = "stop";
    for await (const event of calls.events()) {
      if (event.kind === "text") {
        ledger.firstOutput();
        answer.content += event.text;
        send({ type: "delta", content: event.text, ...place(event.seq) });
      } else if (event.kind === "reasoning") {
        ledger.firstOutput();
        answer.reasoning += event.text;
        send({ type: "delta", reasoning: event.text, ...place(event.seq) });
      } else if (event.kind === "finish") {
        finishReason = event.finishReason;
      } else if (event.kind === "complete") {
        ledger.usage(event.usage);
        const { promptTokens, completionTokens } = event.usage;
        send({
          type: "done",
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
          finish_reason: finishReason,
        });
        status = 200;
        return answer;
      } else if (event.kind === "error") {
        throw event.error;
      }
    }
    // The events end without complete or error only when the chat was stopped.
    throw new ClientGoneError();
  } catch (err) {
    if (err instanceof ClientGoneError || gen.signal.aborted) {
      send({ type: "done", usage: null, finish_reason: "cancelled" });
      return null;
    }
    const apiError = err instanceof ApiError ? err : toApiError(err);
    if (apiError.status >= 500 && !(err instanceof ApiError)) deps.logger.error({ err, requestId: gen.requestId }, "chat on a socket failed");
    ledger.failed(apiError);
    status = apiError.status;
    send({ type: "error", error: apiError.toBody().error });
    return null;
  } finally {
    ledger.finish(status);
  }
}
