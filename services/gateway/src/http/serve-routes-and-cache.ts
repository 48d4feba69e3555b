import type { Context } from "hono";
import type { TokenUsage } from "@lantern/shared/contracts";
import { replayAnswer } from "../cache/answer-replay.js";
import { CACHE_HEADER, cacheDecision } from "../cache/cache-decision.js";
import { proxiedRequest } from "../providers/proxied-request.js";
import type { AnswerBody } from "../cache/response-cache.js";
import { keepLocal, serveRoute } from "../providers/route-runner.js";
import type { UpstreamEndpoint } from "../providers/upstream-client.js";
import { admissionClaim } from "./admission-claim.js";
import { admitOnce } from "./admit-once.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";
import type { JsonObjectBody } from "./read-body.js";
import { serveGeneration, type GenerationRequest } from "./serve-generation.js";
import { setResponseHeader } from "./response-headers.js";

export interface ModelRequest {
  endpoint: UpstreamEndpoint;
  /** The body as the client sent it: what an upstream gets and what the cache key is made of. */
  body: JsonObjectBody;
  /** The same request for the worker fleet. */
  generation: GenerationRequest;
  /** Sees the complete answer, whoever gave it: the cache, a route's provider, or the fleet. */
  onAnswer?: ((answer: AnswerBody, usage: TokenUsage) => void) | undefined;
}

/**
 * A generation request at the edge: answered from the cache when it may be, otherwise through
 * the model's route when it has one (steps in order, with fallback), otherwise by the worker
 * fleet. Admitted by the ledger before the cache or any upstream is touched.
 */
export async function serveModelRequest(c: Context<GatewayEnv>, deps: GatewayDeps, { endpoint, body, generation, onAnswer }: ModelRequest): Promise<Response> {
  if (deps.config.GATEWAY_LOG_PROMPTS) {
    const { messages, prompt } = body.object;
    deps.logger.info({ requestId: c.get("requestId"), endpoint, model: generation.model, prompt: messages ?? prompt }, "prompt");
  }
  const route = deps.routes.get(generation.model);
  const decision = cacheDecision(c, { scope: endpoint, request: body.object, openTtlSeconds: deps.config.GATEWAY_CACHE_TTL_S });
  const seen = onAnswer && ((answer: AnswerBody, usage: TokenUsage) => onAnswer(answer, usage));
  if (!route && !decision) return serveGeneration(c, deps, seen ? { ...generation, onAnswer: (answer, usage) => keepLocal(seen, answer, usage) } : generation);

  c.set("ledger", admitOnce(c.get("ledger")));
  await c.get("ledger").admit({
    ...admissionClaim(generation.model, body.object, body.text, deps.config.GATEWAY_DEFAULT_COMPLETION_TOKENS),
    servedAs: route?.steps.map((step) => step.model),
  });
  if (decision) {
    const hit = await deps.cache.lookup(decision);
    if (hit) {
      seen?.(hit, hit.usage);
      return replayAnswer(c, hit, { stream: generation.stream, includeUsage: generation.includeUsage });
    }
    setResponseHeader(c, CACHE_HEADER, "miss");
  }
  const cacheKeep = decision && ((answer: AnswerBody, usage: TokenUsage, provider: string) => deps.cache.keep(decision, { ...answer, usage, provider }));
  const keep =
    cacheKeep && seen
      ? (answer: AnswerBody, usage: TokenUsage, provider: string) => {
          cacheKeep(answer, usage, provider);
          seen(answer, usage);
        }
      : (cacheKeep ?? seen);
  if (!route) return serveGeneration(c, deps, { ...generation, onAnswer: keep && ((body, usage) => keepLocal(keep, body, usage)) });
  return serveRoute(c, deps, { route, local: generation, upstream: proxiedRequest(endpoint, body), keep });
}
