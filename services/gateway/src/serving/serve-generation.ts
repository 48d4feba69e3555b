import { setTimeout as sleep } from "node:timers/promises";
import { LOCAL_PROVIDER, type ModelRoute, type TokenUsage } from "@lantern/shared/contracts";
import type { AnswerBody } from "../cache/response-cache.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { asAbortSignal } from "../context/cancel-signal.js";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import { admissionClaim, ensureServed } from "./admission.js";
import { fleetStep } from "./fleet-step.js";
import type { Delivery, Generation, Renderer, UpstreamRefusal } from "./generation.js";
import { upstreamStep } from "./upstream-step.js";

/** Pause before another attempt at the same step, longer each time. */
const RETRY_BACKOFF_MS = 100;

/** Overloaded, out of capacity, failing or not serving the model: worth trying elsewhere. */
function worthAnotherStep(status: number, code: string | null): boolean {
  return code === "model_not_found" || status === 429 || status >= 500;
}

/**
 * The one way a generation is served, whatever protocol asked (HTTP JSON, SSE, a chat socket):
 * admitted once by the key's ledger; answered from the cache when it may be; otherwise through
 * the model's route when it has one (its steps in order, with retries and fallback), otherwise by
 * the worker fleet. The renderer turns whichever answer comes into the protocol's own shape.
 */
export async function serveGeneration<R>(deps: GatewayDeps, gen: Generation, renderer: Renderer<R>): Promise<R> {
  const { ledger } = gen;
  if (deps.config.GATEWAY_LOG_PROMPTS) {
    const { messages, prompt } = gen.upstream.body.object;
    deps.logger.info({ requestId: gen.requestId, endpoint: gen.upstream.endpoint, model: gen.model, prompt: messages ?? prompt }, "prompt");
  }
  ledger.requestedModel(gen.model);
  if (gen.stream) ledger.streaming();
  const route = deps.routes.get(gen.model);
  // Refused before it counts against the key's limits, unless a route or a kept answer may serve it.
  if (!route && !gen.cache) ensureServed(deps, gen.model);
  await ledger.admit(
    admissionClaim(deps, gen.model, {
      promptBytes: Buffer.byteLength(JSON.stringify(gen.job.input)),
      maxTokens: gen.job.sampling.maxTokens,
      n: gen.n,
      servedAs: route?.steps.map((step) => step.model),
    }),
  );
  if (gen.cache) {
    const hit = await deps.cache.lookup(gen.cache);
    if (hit) {
      gen.onAnswer?.(hit, hit.usage);
      return renderer.cached(hit);
    }
    renderer.cacheMiss();
  }
  const delivery = (provider: string, model: string, routed: boolean): Delivery => ({ provider, model, routed, keep: keeper(deps, gen, provider) });
  if (!route) return fleetStep(deps, gen, renderer, { model: gen.model, timeoutMs: null }, delivery(LOCAL_PROVIDER, gen.model, false));
  return walkRoute(deps, gen, renderer, route, delivery);
}

/** What keeps a complete answer from `provider`: the cache and whoever else wants it. */
function keeper(deps: GatewayDeps, gen: Generation, provider: string): Delivery["keep"] {
  const { cache, onAnswer } = gen;
  if (!cache) return onAnswer;
  return (answer: AnswerBody, usage: TokenUsage) => {
    deps.cache.keep(cache, { ...answer, usage, provider });
    onAnswer?.(answer, usage);
  };
}

/**
 * A routed model's steps in order: a step that answers 429, 503 or another 5xx, cannot be
 * reached, times out or does not serve the model is tried `retries` more times, then the next
 * step is. Only a failure before anything reached the client falls through; the last failure is
 * the answer when every step failed. Any other answer (a 400 from an upstream, say) is the client's at once.
 */
async function walkRoute<R>(
  deps: GatewayDeps,
  gen: Generation,
  renderer: Renderer<R>,
  route: ModelRoute,
  delivery: (provider: string, model: string, routed: boolean) => Delivery,
): Promise<R> {
  const log = deps.logger.child({ component: "routes", requestId: gen.requestId, model: route.model });
  let last: ApiError | UpstreamRefusal | undefined;
  for (const [stepIndex, step] of route.steps.entries()) {
    for (let attempt = 0; attempt <= step.retries; attempt++) {
      if (attempt > 0) await sleep(RETRY_BACKOFF_MS * attempt, undefined, { signal: asAbortSignal(gen.cancel) }).catch(() => {});
      if (gen.cancel.aborted) throw new ClientGoneError();
      // Whichever step answers, its model's price applies where the route's name has none.
      gen.ledger.servedBy({ model: step.model });
      let failure: ApiError | UpstreamRefusal;
      try {
        // A provider without a base URL is the fleet under another name (a BricksLLM custom provider).
        if (step.provider === LOCAL_PROVIDER || deps.providers.get(step.provider)?.baseUrl === null) {
          return await fleetStep(deps, gen, renderer, step, delivery(LOCAL_PROVIDER, step.model, true));
        }
        const outcome = await upstreamStep(deps, gen, renderer, step, (provider) => delivery(provider, step.model, true));
        if (outcome.kind === "served") return outcome.result;
        failure = outcome.refusal;
      } catch (err) {
        if (!(err instanceof ApiError) || renderer.started) throw err;
        failure = err;
      }
      last = failure;
      const status = failure.status;
      log.info({ step: stepIndex, provider: step.provider, attempt, status }, "route step failed");
      if (!worthAnotherStep(status, failure instanceof ApiError ? failure.code : null)) return answerFailure(renderer, failure);
    }
  }
  return answerFailure(renderer, last!);
}

function answerFailure<R>(renderer: Renderer<R>, failure: ApiError | UpstreamRefusal): R {
  if (failure instanceof ApiError) throw failure;
  return renderer.refusal(failure);
}
