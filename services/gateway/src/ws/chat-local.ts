import type { ChatCompletionRequest, InferInput, Sampling } from "@lantern/shared/contracts";
import { ClientGoneError } from "../errors/api-error.js";
import type { GatewayDeps } from "../http/gateway-env.js";
import { submitChoices } from "../jobs/choice-fan-out.js";
import { chatCompletionShape } from "../openai/response-shapes.js";
import { formatFrom, reasoningFrom } from "../openai/to-job.js";
import { answerBodyOf } from "../cache/response-cache.js";
import type { ChatGeneration } from "./chat-generation.js";
import type { ChatFinishReason, ChatOutput, ChatTurn } from "./chat-output.js";
import { CHAT_SOCKET_PATH } from "./chat-path.js";

/** A chat's request as the worker fleet takes it. */
export interface LocalChat {
  req: ChatCompletionRequest;
  sampling: Sampling;
  input: InferInput;
}

/**
 * A chat answered by the worker fleet under `model` (the chat's, or a route step's): one job on
 * the queue, its text and thoughts sent as they come. The chat's replies are kept for a while when
 * resuming is on, so that it can be resumed on another socket (another gateway's). `signal`
 * (default the chat's) withdraws or cancels the job.
 */
export async function localChat(deps: GatewayDeps, gen: ChatGeneration, chat: LocalChat, model: string, out: ChatOutput, signal = gen.signal): Promise<ChatTurn> {
  const { ledger } = gen;
  const keep = deps.streams.enabled;
  const created = Math.floor(Date.now() / 1000);
  const calls = await submitChoices(deps.inference, {
    requestId: gen.requestId,
    model,
    input: chat.input,
    sampling: chat.sampling,
    format: formatFrom(chat.req),
    reasoning: reasoningFrom(chat.req),
    priority: chat.req.priority ?? "normal",
    n: 1,
    promptParam: "messages",
    signal,
    keep,
  });
  ledger.servedBy({ provider: "local", workerIds: calls.workerIds });
  const id = `chatcmpl-${gen.requestId}`;
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
      shape: { kind: "chat", id, model, created, includeUsage: false, legacyFunctions: false },
    });
  }
  const place = (seq: number) => (keep ? { request_id: gen.requestId, seq } : {});
  let finishReason: ChatFinishReason = "stop";
  for await (const event of calls.events()) {
    if (event.kind === "text") out.text(event.text, place(event.seq));
    else if (event.kind === "reasoning") out.thought(event.text, place(event.seq));
    else if (event.kind === "finish") finishReason = event.finishReason;
    else if (event.kind === "error") throw event.error;
    else if (event.kind === "complete") {
      const body = chatCompletionShape({ id, model, created, includeUsage: false }).body(
        [{ text: out.content, reasoning: out.reasoning, toolCalls: [], finishReason: finishReason === "cancelled" ? "stop" : finishReason, logprobs: undefined }],
        event.usage,
      );
      return { usage: event.usage, finishReason, provider: "local", body: answerBodyOf(body) };
    }
  }
  // The events end without complete or error only when the chat was stopped.
  throw new ClientGoneError();
}
