import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { CachedAnswer } from "@lantern/shared/contracts";
import type { GatewayEnv } from "../context/gateway-env.js";
import { SseResponse } from "./sse-response.js";
import { PROVIDER_HEADER } from "../providers/provider-header.js";
import { CACHE_HEADER } from "../cache/cache-decision.js";
import { replayChunks } from "../cache/replay-chunks.js";
import { responseHeaders, setResponseHeader } from "../context/response-headers.js";

interface ReplayOptions {
  stream: boolean;
  includeUsage: boolean;
}

/** Answers from the cache: the stored body as it was, or a stream of it; accounted as a cache hit with the stored usage. */
export function replayAnswer(c: Context<GatewayEnv>, answer: CachedAnswer, { stream, includeUsage }: ReplayOptions): Response {
  const ledger = c.get("ledger");
  ledger.servedBy({ provider: answer.provider, cacheHit: true });
  setResponseHeader(c, CACHE_HEADER, "hit");
  setResponseHeader(c, PROVIDER_HEADER, answer.provider);
  if (!stream) {
    ledger.firstOutput();
    ledger.usage(answer.usage);
    return c.body(answer.body, 200, { "content-type": "application/json" });
  }
  ledger.streaming();
  const sse = new SseResponse(c.env.outgoing);
  sse.open(responseHeaders(c));
  ledger.firstOutput();
  for (const chunk of replayChunks(answer, includeUsage)) void sse.data(JSON.stringify(chunk));
  ledger.usage(answer.usage);
  sse.end("[DONE]");
  return RESPONSE_ALREADY_SENT;
}
