import { ChatCompletionRequest, type CachedAnswer, type WsChatServerMessage } from "@lantern/shared/contracts";
import { decideCaching } from "../cache/cache-decision.js";
import { answerBodyOf } from "../cache/response-cache.js";
import type { TrackedLedger } from "../edge/tracked-ledger.js";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import { toApiError } from "../errors/render-error.js";
import type { GatewayDeps } from "../http/gateway-env.js";
import { contextSizeOf, ensureServed, promptBytes } from "../http/serve-generation.js";
import { chatInput, samplingFrom } from "../openai/to-job.js";
import { ChatOutput, type ChatTurn } from "./chat-output.js";
import { localChat, type LocalChat } from "./chat-local.js";
import { routedChat } from "./chat-route.js";
import { openAiUsage } from "../openai/response-shapes.js";

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
 * validation, the key's admission and limits, the cache (a hit replays the kept answer), the
 * model's route when it has one (its steps in order, with fallback to the next while nothing was
 * sent), otherwise the job on the queue; and one usage event when it ends (status 200, the
 * error's status, or 499 when stopped).
 */
export async function streamChat(deps: GatewayDeps, gen: ChatGeneration): Promise<ChatAnswer | null> {
  const { ledger, send } = gen;
  let status = 499;
  const out = new ChatOutput(gen);
  try {
    const req = ChatCompletionRequest.parse({ ...gen.body, stream: true });
    ledger.requestedModel(req.model);
    ledger.streaming();
    const route = deps.routes.get(req.model);
    // A routed model may be served by none of the workers: its steps decide.
    if (!route) ensureServed(deps, req.model);
    const local: LocalChat = { req, sampling: samplingFrom(req), input: chatInput(req) };
    await ledger.admit({
      model: req.model,
      promptTokensEstimate: promptBytes(local.input),
      completionTokensLimit: local.sampling.maxTokens ?? contextSizeOf(deps, req.model),
      servedAs: route?.steps.map((step) => step.model),
    });
    // Shared with `/v1/chat/completions`: the same fields make the same key.
    const decision = decideCaching(ledger.caller, gen.requestId, { scope: "/chat/completions", request: gen.body, openTtlSeconds: deps.config.GATEWAY_CACHE_TTL_S });
    const hit = decision && (await deps.cache.lookup(decision));
    const turn = hit ? replayTurn(hit, gen, out) : route ? await routedChat(deps, gen, route, local, out) : await localChat(deps, gen, local, req.model, out);
    ledger.usage(turn.usage);
    if (decision && !hit && turn.body && turn.finishReason !== "cancelled") deps.cache.keep(decision, { ...turn.body, usage: turn.usage, provider: turn.provider });
    send({
      type: "done",
      usage: openAiUsage(turn.usage),
      finish_reason: turn.finishReason,
    });
    status = 200;
    return { content: out.content, reasoning: out.reasoning };
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

/** A kept answer sent as the chat's frames: its thoughts and text at once, accounted as a cache hit. */
function replayTurn(hit: CachedAnswer, gen: ChatGeneration, out: ChatOutput): ChatTurn {
  gen.ledger.servedBy({ provider: hit.provider, cacheHit: true });
  const body = JSON.parse(hit.body) as { choices?: Array<{ message?: { content?: unknown; reasoning_content?: unknown }; finish_reason?: unknown }> };
  const choice = body.choices?.[0];
  if (typeof choice?.message?.reasoning_content === "string") out.thought(choice.message.reasoning_content);
  if (typeof choice?.message?.content === "string") out.text(choice.message.content);
  return { usage: hit.usage, finishReason: choice?.finish_reason === "length" ? "length" : "stop", provider: hit.provider, body: answerBodyOf(body, hit.body) };
}
