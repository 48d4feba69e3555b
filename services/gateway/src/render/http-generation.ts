import type { Context } from "hono";
import type { Priority, StreamShape, TokenUsage } from "@lantern/shared/contracts";
import { cacheDecision } from "../cache/cache-decision.js";
import type { AnswerBody } from "../cache/response-cache.js";
import { clientGone } from "../context/cancel-signal.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import type { JsonObjectBody } from "../context/read-body.js";
import { requestPriority } from "../context/request-priority.js";
import { streamShape } from "../openai/response-shapes.js";
import type { JobRequest } from "../openai/to-job.js";
import { hopsOf } from "../providers/gateway-hops.js";
import { proxiedRequest } from "../providers/proxied-request.js";
import type { UpstreamEndpoint } from "../providers/upstream-client.js";
import { serveGeneration } from "../serving/serve-generation.js";
import { HttpRenderer } from "./http-renderer.js";

interface HttpGeneration {
  endpoint: UpstreamEndpoint;
  /** The body as the client sent it: what an upstream gets and what the cache key is made of. */
  body: JsonObjectBody;
  model: string;
  /** The body's own `priority` (the `x-priority` header is read here). */
  priority: Priority | null | undefined;
  request: JobRequest;
  /** The response's id, model and creation time; the kind says which OpenAI shape. */
  shape: StreamShape;
  /** Sees the complete answer, whoever gave it. */
  onAnswer?: ((answer: AnswerBody, usage: TokenUsage) => void) | undefined;
}

/** An OpenAI generation endpoint's request, served the one way and drawn as OpenAI's HTTP answer. */
export function serveOverHttp(c: Context<GatewayEnv>, deps: GatewayDeps, http: HttpGeneration): Promise<Response> {
  const { body, request, shape } = http;
  const upstream = proxiedRequest(http.endpoint, body);
  const cache = cacheDecision(c, { scope: http.endpoint, request: body.object, openTtlSeconds: deps.config.GATEWAY_CACHE_TTL_S });
  const priority = requestPriority(c, http.priority);
  const cancel = clientGone(c);
  const renderer = new HttpRenderer(c, deps, {
    shape: streamShape(shape),
    resumeShape: shape,
    stream: upstream.stream,
    includeUsage: upstream.includeUsage,
    logprobs: request.job.logprobs !== undefined,
    n: request.n,
    promptParam: request.promptParam,
  }, cancel);
  return serveGeneration(deps, {
    requestId: c.get("requestId"),
    ledger: c.get("ledger"),
    model: http.model,
    job: request.job,
    n: request.n,
    priority,
    promptParam: request.promptParam,
    stream: upstream.stream,
    upstream,
    cache,
    hops: hopsOf(c.env.incoming.headers),
    cancel,
    onAnswer: http.onAnswer,
  }, renderer);
}
