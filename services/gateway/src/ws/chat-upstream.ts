import type { ProviderSetting, RouteStep } from "@lantern/shared/contracts";
import { answerBodyOf } from "../cache/response-cache.js";
import { StreamAnswer } from "../cache/stream-answer.js";
import { ApiError, ClientGoneError, type ApiErrorType } from "../errors/api-error.js";
import type { GatewayDeps } from "../http/gateway-env.js";
import { tokenUsageOf } from "../providers/openai-usage.js";
import { proxiedRequest, upstreamBody } from "../providers/proxied-request.js";
import { SseEventCutter, SseEventTooLargeError } from "../providers/sse-events.js";
import { dataOf } from "../providers/sse-relay.js";
import { attemptUpstream, type UpstreamAttempt } from "../providers/upstream-proxy.js";
import { openAiErrorBody, upstreamBroken, upstreamTooLarge } from "../providers/upstream-errors.js";
import type { ChatGeneration } from "./chat-generation.js";
import type { ChatFinishReason, ChatOutput, ChatTurn } from "./chat-output.js";

type Json = Record<string, unknown>;

/** An upstream's refusal (its status and OpenAI error body) as the error the chat ends with. */
function refusalError(attempt: Extract<UpstreamAttempt, { kind: "refusal" }>): ApiError {
  const { error } = JSON.parse(openAiErrorBody(attempt.status, attempt.body).toString("utf8")) as { error: Json };
  const type = (typeof error.type === "string" ? error.type : attempt.status >= 500 ? "server_error" : "invalid_request_error") as ApiErrorType;
  return new ApiError(attempt.status as ApiError["status"], type, String(error.message ?? `The upstream provider answered ${attempt.status}.`), {
    code: typeof error.code === "string" ? error.code : "upstream_error",
    param: typeof error.param === "string" ? error.param : null,
  });
}

const finishOf = (value: unknown): ChatFinishReason => (value === "length" ? "length" : value === "tool_calls" || value === "function_call" ? "tool_calls" : "stop");

/** One choice's pieces of a chunk or of a whole answer, sent on to the socket. */
function relayChoice(out: ChatOutput, choice: Json | undefined, part: "delta" | "message"): unknown {
  const piece = (choice?.[part] ?? {}) as Json;
  if (typeof piece.reasoning_content === "string") out.thought(piece.reasoning_content);
  if (typeof piece.content === "string") out.text(piece.content);
  return choice?.finish_reason;
}

/**
 * A chat answered by an upstream provider (a route's step): the chat's body with the step's model,
 * streamed, and asked for its usage. Its events become the socket's frames as they come. Throws
 * ApiError on a refusal or a failure; the caller tells by `out.started` whether anything was sent.
 */
export async function upstreamChat(deps: GatewayDeps, gen: ChatGeneration, step: RouteStep, provider: ProviderSetting, out: ChatOutput): Promise<ChatTurn> {
  // As a streamed `/v1/chat/completions` would go: the step's model, asking for the usage chunk.
  const object = { ...gen.body, stream: true };
  const request = proxiedRequest("/chat/completions", { object, text: JSON.stringify(object) });
  const attempt = await attemptUpstream(
    deps.upstream,
    // A chat on a socket comes from a client, never from another gateway.
    { provider, endpoint: request.endpoint, body: upstreamBody(request, step.model), signal: gen.signal, timeoutMs: step.timeoutMs, hops: 0 },
    true,
  );
  if (attempt.kind === "refusal") throw refusalError(attempt);
  gen.ledger.servedBy({ provider: provider.name });

  if (attempt.kind === "answer") {
    // An upstream that answers a stream request with a whole body: sent on as one piece.
    let parsed: Json;
    try {
      parsed = JSON.parse(attempt.body.toString("utf8")) as Json;
    } catch (err) {
      throw upstreamBroken(provider.name, err);
    }
    const finish = relayChoice(out, (parsed.choices as Json[] | undefined)?.[0], "message");
    return { usage: tokenUsageOf(parsed.usage), finishReason: finishOf(finish), provider: provider.name, body: answerBodyOf(parsed, attempt.body.toString("utf8")) };
  }

  const kept = new StreamAnswer();
  let finish: unknown;
  let usage: unknown;
  // Whole events only are decoded: a character whose bytes two chunks split is read whole.
  const cutter = new SseEventCutter(attempt.maxEventBytes);
  const relayEvents = (events: Buffer) => {
    for (const event of events.toString("utf8").split(/\r?\n\r?\n/)) {
      const data = dataOf(event);
      if (!data || data === "[DONE]") continue;
      kept.add(data);
      const chunk = JSON.parse(data) as Json;
      if (chunk.usage && typeof chunk.usage === "object") usage = chunk.usage;
      finish = relayChoice(out, (chunk.choices as Json[] | undefined)?.[0], "delta") ?? finish;
    }
  };
  try {
    for await (const bytes of attempt.response.body) {
      const events = cutter.push(bytes as Buffer);
      if (events) relayEvents(events);
    }
    const rest = cutter.rest();
    if (rest) relayEvents(rest);
  } catch (err) {
    attempt.response.body.destroy();
    if (gen.signal.aborted) throw new ClientGoneError();
    if (err instanceof SseEventTooLargeError) throw upstreamTooLarge(provider.name, attempt.maxEventBytes, "a stream event");
    throw upstreamBroken(provider.name, err);
  }
  if (gen.signal.aborted) throw new ClientGoneError();
  return { usage: tokenUsageOf(usage), finishReason: finishOf(finish), provider: provider.name, body: kept.answer() };
}
