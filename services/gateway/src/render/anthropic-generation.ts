import type { Context } from "hono";
import { AnthropicMessagesRequest } from "@lantern/shared/contracts";
import { parseRequest } from "../anthropic/request-parsing.js";
import { messagesJob } from "../anthropic/to-job.js";
import { cacheDecision } from "../cache/cache-decision.js";
import { clientGone } from "../context/cancel-signal.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import type { JsonObjectBody } from "../context/read-body.js";
import { requestPriority } from "../context/request-priority.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { hopsOf } from "../providers/gateway-hops.js";
import { proxiedRequest } from "../providers/proxied-request.js";
import { serveGeneration } from "../serving/serve-generation.js";
import { AnthropicRenderer } from "./anthropic-renderer.js";

/** Where Anthropic requests' answers are kept in the cache, apart from OpenAI's. */
const CACHE_SCOPE = "/messages";

/**
 * A Messages request served the one way and drawn as Anthropic's answer. An upstream route step
 * is sent the OpenAI chat body of the same request; the cache keys on the body as sent.
 */
export function serveMessages(c: Context<GatewayEnv>, deps: GatewayDeps, body: JsonObjectBody): Promise<Response> {
  const req = parseRequest(AnthropicMessagesRequest, body.object);
  const { job, openAiBody } = messagesJob(req);
  const stream = req.stream === true;
  const cancel = clientGone(c);
  const requestId = c.get("requestId");
  const renderer = new AnthropicRenderer(c, deps, { id: `msg_${requestId}`, model: req.model, stream, omitThinking: req.thinking?.type === "disabled" }, cancel);
  return serveGeneration(
    deps,
    {
      requestId,
      ledger: c.get("ledger"),
      model: req.model,
      job,
      n: 1,
      priority: requestPriority(c, undefined),
      promptParam: "messages",
      stream,
      upstream: proxiedRequest("/chat/completions", { text: JSON.stringify(openAiBody), object: openAiBody }),
      cache: cacheDecision(c, { scope: CACHE_SCOPE, request: body.object, openTtlSeconds: deps.config.GATEWAY_CACHE_TTL_S }),
      hops: hopsOf(c.env.incoming.headers),
      cancel,
    },
    renderer,
  );
}
