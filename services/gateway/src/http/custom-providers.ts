import { Hono } from "hono";
import { replayAnswer } from "../render/cached-answer.js";
import { CACHE_HEADER, cacheDecision } from "../cache/cache-decision.js";
import { proxiedRequest, upstreamBody } from "../providers/proxied-request.js";
import { hopsOf } from "../providers/gateway-hops.js";
import { providerNotFound } from "../providers/upstream-errors.js";
import { attemptUpstream, dropAttempt } from "../providers/upstream-proxy.js";
import { deliverUpstream, refusalResponse } from "../render/upstream-delivery.js";
import { admissionClaim } from "../serving/admission.js";
import { clientGone, type Cancellation } from "../context/cancel-signal.js";
import { admittedAlongside } from "../serving/admitted-alongside.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { setResponseHeader } from "../context/response-headers.js";
import type { JsonObjectBody } from "../context/read-body.js";
import { serveChatBody } from "./chat-over-http.js";

const positiveInt = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;

/**
 * A body for the fleet without a model names the fleet's only one: the provider stands in for a
 * llama.cpp server, which serves one model, so its clients often send none.
 */
function withFleetModel(deps: GatewayDeps, body: JsonObjectBody): JsonObjectBody {
  if (body.object.model !== undefined) return body;
  const served = deps.registry.servedModels();
  if (served.length !== 1) return body;
  const object = { ...body.object, model: served[0]!.name };
  return { object, text: JSON.stringify(object) };
}

/**
 * `POST /api/custom/providers/:name/chat/completions`: a provider without a base URL is the worker
 * fleet, and the call is served as `/v1/chat/completions` is. Otherwise the body goes to the provider as the
 * client sent it (plus the usage chunk request for streams), with the provider's key instead of
 * the client's; the answer, streamed or not, comes back as the provider gave it. With room in the
 * key's limits the call starts while the admission is decided; its answer waits for it.
 */
export function customProviderRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>().post("/providers/:name/chat/completions", async (c) => {
    const name = c.req.param("name");
    const provider = deps.providers.get(name);
    if (!provider) throw providerNotFound(name);
    const body = await readJsonObject(c, deps.config);
    if (provider.baseUrl === null) return serveChatBody(c, deps, withFleetModel(deps, body));
    const request = proxiedRequest("/chat/completions", body);
    const model = typeof body.object.model === "string" ? body.object.model : "";
    const decision = cacheDecision(c, {
      scope: `custom/${provider.name}/chat/completions`,
      request: body.object,
      openTtlSeconds: deps.config.GATEWAY_CACHE_TTL_S,
    });
    const ledger = c.get("ledger");
    const claim = admissionClaim(deps, model, {
      promptBytes: Buffer.byteLength(body.text, "utf8"),
      maxTokens: positiveInt(body.object.max_completion_tokens) ?? positiveInt(body.object.max_tokens),
      n: positiveInt(body.object.n) ?? 1,
    });
    const hops = hopsOf(c.env.incoming.headers);
    const call = (signal: Cancellation) => attemptUpstream(deps.upstream, { provider, endpoint: request.endpoint, body: upstreamBody(request), signal, hops }, request.stream);
    let attempt;
    if (decision) {
      // The cache is looked at only for an admitted request.
      await ledger.admit(claim);
      const hit = await deps.cache.lookup(decision);
      if (hit) return replayAnswer(c, hit, { stream: request.stream, includeUsage: request.includeUsage });
      setResponseHeader(c, CACHE_HEADER, "miss");
      attempt = await call(clientGone(c));
    } else {
      attempt = await admittedAlongside(ledger, claim, clientGone(c), call, dropAttempt);
    }
    if (attempt.kind === "refusal") return refusalResponse(c, attempt);
    return deliverUpstream(c, attempt, {
      includeUsage: request.includeUsage,
      keep: decision && ((answer, usage) => deps.cache.keep(decision, { ...answer, usage, provider: provider.name })),
    });
  });
}
