import { setTimeout as sleep } from "node:timers/promises";
import { LOCAL_PROVIDER, type ModelRoute, type RouteStep } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import type { GatewayDeps } from "../http/gateway-env.js";
import { ensureServed } from "../http/serve-generation.js";
import { RETRY_BACKOFF_MS, worthAnotherStep } from "../providers/route-runner.js";
import { upstreamTimedOut } from "../providers/upstream-errors.js";
import type { ChatGeneration } from "./chat-generation.js";
import { localChat, type LocalChat } from "./chat-local.js";
import type { ChatOutput, ChatTurn } from "./chat-output.js";
import { upstreamChat } from "./chat-upstream.js";

/**
 * A chat with a routed model, as `/v1/chat/completions` serves one: its steps in order, each tried
 * `retries` more times when it answers 429 or 5xx, cannot be reached, times out or does not serve
 * the model, then the next. Only a failure before anything was sent falls through; the last
 * failure is the chat's error when every step failed.
 */
export async function routedChat(deps: GatewayDeps, gen: ChatGeneration, route: ModelRoute, chat: LocalChat, out: ChatOutput): Promise<ChatTurn> {
  const log = deps.logger.child({ component: "routes", requestId: gen.requestId, model: route.model });
  let last: ApiError | undefined;
  for (const [stepIndex, step] of route.steps.entries()) {
    for (let attempt = 0; attempt <= step.retries; attempt++) {
      if (attempt > 0) await sleep(RETRY_BACKOFF_MS * attempt, undefined, { signal: gen.signal }).catch(() => {});
      if (gen.signal.aborted) throw new ClientGoneError();
      // Whichever step answers, its model's price applies where the route's name has none.
      gen.ledger.servedBy({ model: step.model });
      try {
        return await tryStep(deps, gen, step, chat, out);
      } catch (err) {
        if (!(err instanceof ApiError) || out.started) throw err;
        last = err;
        log.info({ step: stepIndex, provider: step.provider, attempt, status: err.status }, "route step failed");
        if (!worthAnotherStep(err.status, err.code)) throw err;
      }
    }
  }
  throw last!;
}

function tryStep(deps: GatewayDeps, gen: ChatGeneration, step: RouteStep, chat: LocalChat, out: ChatOutput): Promise<ChatTurn> {
  if (step.provider !== LOCAL_PROVIDER) {
    const provider = deps.providers.get(step.provider);
    if (!provider) throw new ApiError(502, "server_error", `The route names an upstream provider '${step.provider}' that is not registered.`, { code: "provider_not_found" });
    return upstreamChat(deps, gen, step, provider, out);
  }
  ensureServed(deps, step.model);
  return localWithin(deps, gen, step, chat, out);
}

/** A local step: its timeout bounds the wait for the first output (a worker taking the job). */
async function localWithin(deps: GatewayDeps, gen: ChatGeneration, step: RouteStep, chat: LocalChat, out: ChatOutput): Promise<ChatTurn> {
  if (step.timeoutMs === null) return localChat(deps, gen, chat, step.model, out);
  const deadline = new AbortController();
  const stop = () => deadline.abort();
  gen.signal.addEventListener("abort", stop, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    if (out.started) return;
    timedOut = true;
    deadline.abort();
  }, step.timeoutMs);
  try {
    return await localChat(deps, gen, chat, step.model, out, deadline.signal);
  } catch (err) {
    if (timedOut && !gen.signal.aborted) throw upstreamTimedOut(LOCAL_PROVIDER, step.timeoutMs);
    throw err;
  } finally {
    clearTimeout(timer);
    gen.signal.removeEventListener("abort", stop);
  }
}
