import type { Context } from "hono";
import type { ResponsesRequest, StoredResponse } from "@lantern/shared/contracts";
import { cacheDecision } from "../cache/cache-decision.js";
import { clientGone } from "../context/cancel-signal.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { requestPriority } from "../context/request-priority.js";
import { ApiError } from "../errors/api-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { hopsOf } from "../providers/gateway-hops.js";
import { proxiedRequest } from "../providers/proxied-request.js";
import { chatPlan } from "../responses/chat-request.js";
import { inputItems, type StoredItem } from "../responses/input-items.js";
import type { StoredResponseClient } from "../responses/stored-response-client.js";
import { serveGeneration } from "../serving/serve-generation.js";
import { ResponsesRenderer } from "./responses-renderer.js";

/** The id of the response a request makes: its request id, as OpenAI names responses. */
export const responseIdOf = (requestId: string) => `resp_${requestId.replace(/^req_/, "")}`;

/** The items `previous_response_id` continues from: what that response saw, then what it answered. */
async function previousItems(store: StoredResponseClient, owner: string | null, id: string | null | undefined): Promise<StoredItem[]> {
  if (!id) return [];
  let stored: StoredResponse;
  try {
    stored = await store.get(owner, id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new ApiError(404, "invalid_request_error", `Previous response with id '${id}' not found.`, { param: "previous_response_id", code: "previous_response_not_found" });
    }
    throw err;
  }
  return [...stored.context, ...(stored.response.output as Array<Record<string, unknown>>)] as StoredItem[];
}

/**
 * A Responses request served the one way: the conversation of `previous_response_id` first, the
 * whole as one chat job (and the chat body a route's upstream gets), rendered as OpenAI's
 * Response; kept for its key unless `store: false`, before the client has it.
 */
export async function serveResponses(c: Context<GatewayEnv>, deps: GatewayDeps, store: StoredResponseClient, req: ResponsesRequest): Promise<Response> {
  const ledger = c.get("ledger");
  const owner = ledger.caller.keyId;
  const requestId = c.get("requestId");
  const id = responseIdOf(requestId);
  const input = inputItems(req, id);
  const context = await previousItems(store, owner, req.previous_response_id);
  const { body, request } = chatPlan(req, context, input);
  const upstream = proxiedRequest("/chat/completions", { object: body, text: JSON.stringify(body) });
  const cancel = clientGone(c);
  const finished = async (response: Record<string, unknown>) => {
    if (req.store === false) return;
    try {
      await store.store(owner, id, { response, inputItems: input, context: [...context, ...input] });
    } catch (err) {
      // The answer is the client's all the same; only reading it back later fails.
      deps.logger.warn({ err: (err as Error).message, requestId, responseId: id }, "could not store a response");
    }
  };
  const renderer = new ResponsesRenderer(c, deps, { echo: { id, createdAt: Math.floor(Date.now() / 1000), request: req }, stream: upstream.stream, finished }, cancel);
  return serveGeneration(deps, {
    requestId,
    ledger,
    model: req.model,
    job: request.job,
    n: 1,
    priority: requestPriority(c, req.priority),
    promptParam: "input",
    stream: upstream.stream,
    upstream,
    cache: cacheDecision(c, { scope: "/responses", request: body, openTtlSeconds: deps.config.GATEWAY_CACHE_TTL_S }),
    hops: hopsOf(c.env.incoming.headers),
    cancel,
  }, renderer);
}
