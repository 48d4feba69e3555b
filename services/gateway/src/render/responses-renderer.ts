import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { HttpHeader, LOCAL_PROVIDER, type CachedAnswer } from "@lantern/shared/contracts";
import { CACHE_HEADER } from "../cache/cache-decision.js";
import type { CancelSignal } from "../context/cancel-signal.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { responseHeaders, setResponseHeader } from "../context/response-headers.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { ChoiceCalls } from "../jobs/choice-fan-out.js";
import { PROVIDER_HEADER } from "../providers/provider-header.js";
import type { AnswerEnd } from "../responses/chat-answer.js";
import { OutputAssembler } from "../responses/output-assembler.js";
import { responseObject, type Json, type ResponseEcho } from "../responses/response-object.js";
import type { Delivery, Renderer, ResumableStream, UpstreamAnswer, UpstreamRefusal } from "../serving/generation.js";
import { sseBounds } from "./fleet-stream.js";
import { cachedSource, fleetSource, upstreamSource, type AnswerSource } from "./responses-sources.js";
import { streamResponse } from "./responses-stream.js";
import { SseResponse } from "./sse-response.js";
import { refusalResponse } from "./upstream-delivery.js";

export interface ResponsesRendering {
  echo: ResponseEcho;
  stream: boolean;
  /** Sees the finished Response before it goes out (it is stored then, so the next request finds it). */
  finished(response: Json, end: AnswerEnd): Promise<void>;
}

/**
 * Renders a generation as OpenAI's Responses API answers it: one Response object, or its typed
 * server-sent events. Whoever answers (the fleet, a route's upstream speaking OpenAI chat, the
 * cache holding a chat body) is read into the same output items.
 */
export class ResponsesRenderer implements Renderer<Response> {
  started = false;

  constructor(
    private readonly c: Context<GatewayEnv>,
    private readonly deps: GatewayDeps,
    private readonly rendering: ResponsesRendering,
    /** Aborted here when a stream's client reads too slowly: the job is cancelled as if it had left. */
    private readonly cancel: CancelSignal,
  ) {}

  cacheMiss(): void {
    setResponseHeader(this.c, CACHE_HEADER, "miss");
  }

  cached(hit: CachedAnswer): Promise<Response> {
    this.c.get("ledger").servedBy({ provider: hit.provider, cacheHit: true });
    setResponseHeader(this.c, CACHE_HEADER, "hit");
    setResponseHeader(this.c, PROVIDER_HEADER, hit.provider);
    return this.render(cachedSource(hit));
  }

  // A response's stream is not kept for resuming: its events are not the chat chunks a record replays.
  resumable(): ResumableStream | undefined {
    return undefined;
  }

  fleet(calls: ChoiceCalls, delivery: Delivery): Promise<Response> {
    if (delivery.routed) setResponseHeader(this.c, PROVIDER_HEADER, LOCAL_PROVIDER);
    setResponseHeader(this.c, HttpHeader.worker, [...calls.workerIds].join(","));
    return this.render(fleetSource(calls, delivery, `chatcmpl-${this.c.get("requestId")}`)).catch((err: unknown) => {
      if (delivery.routed && !this.started) setResponseHeader(this.c, PROVIDER_HEADER, undefined);
      throw err;
    });
  }

  upstream(answer: UpstreamAnswer, delivery: Delivery): Promise<Response> {
    this.c.get("ledger").servedBy({ provider: answer.provider });
    setResponseHeader(this.c, PROVIDER_HEADER, answer.provider);
    return this.render(upstreamSource(answer, delivery, this.cancel));
  }

  refusal(refusal: UpstreamRefusal): Response {
    return refusalResponse(this.c, refusal);
  }

  private async render(source: AnswerSource): Promise<Response> {
    const { c, rendering } = this;
    const ledger = c.get("ledger");
    if (!rendering.stream) {
      let first = true;
      const out = new OutputAssembler(rendering.echo.id, (event) => {
        if (!first || event.type !== "response.output_item.added") return;
        first = false;
        ledger.firstOutput();
      });
      const end = await source(out);
      this.started = true;
      ledger.usage(end.usage);
      const status = end.finishReason === "length" ? "incomplete" : "completed";
      const response = responseObject(rendering.echo, { status, output: out.output, usage: end.usage });
      await rendering.finished(response, end);
      return c.json(response);
    }
    const sse = new SseResponse(c.env.outgoing, sseBounds(this.deps));
    sse.open(responseHeaders(c));
    this.started = true;
    const { echo, finished } = rendering;
    void streamResponse(sse, source, { echo, ledger, finished, onTooSlow: () => this.cancel.abort() }, this.deps);
    return RESPONSE_ALREADY_SENT;
  }
}
