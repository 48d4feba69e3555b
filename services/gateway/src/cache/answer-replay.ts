import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { CachedAnswer } from "@lantern/shared/contracts";
import type { GatewayEnv } from "../http/gateway-env.js";
import { SseResponse } from "../http/sse-response.js";
import { PROVIDER_HEADER } from "../providers/provider-header.js";
import { CACHE_HEADER } from "./cache-decision.js";
import { replayChunks } from "./replay-chunks.js";

export interface ReplayOptions {
  stream: boolean;
  includeUsage: boolean;
}

/** Answers from the cache: the stored body as it was, or a stream of it; accounted as a cache hit with the stored usage. */
export function replayAnswer(c: Context<GatewayEnv>, answer: CachedAnswer, { stream, includeUsage }: ReplayOptions): Response {
  const ledger = c.get("ledger");
  ledger.servedBy({ provider: answer.provider, cacheHit: true });
  c.header(CACHE_HEADER, "hit");
  c.header(PROVIDER_HEADER, answer.provider);
  if (!stream) {
    ledger.firstOutput();
    ledger.usage(answer.usage);
    c.header("content-type", "application/json");
    return c.body(answer.body);
  }
  ledger.streaming();
  const sse = new SseResponse(c.env.outgoing);
  sse.open(c.res.headers.entries());
  ledger.firstOutput();
  for (const chunk of replayChunks(answer, includeUsage)) void sse.data(JSON.stringify(chunk));
  ledger.usage(answer.usage);
  sse.end("[DONE]");
  return RESPONSE_ALREADY_SENT;
}
