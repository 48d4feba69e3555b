import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { HttpHeader, LOCAL_PROVIDER, type CachedAnswer, type StreamShape } from "@lantern/shared/contracts";
import { CACHE_HEADER } from "../cache/cache-decision.js";
import { answerBodyOf } from "../cache/response-cache.js";
import type { CancelSignal } from "../context/cancel-signal.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { responseHeaders, setResponseHeader } from "../context/response-headers.js";
import type { ChoiceCalls } from "../jobs/choice-fan-out.js";
import type { ResponseShape } from "../openai/response-shapes.js";
import { PROVIDER_HEADER } from "../providers/provider-header.js";
import type { Delivery, Renderer, ResumableStream, UpstreamAnswer, UpstreamRefusal } from "../serving/generation.js";
import { replayAnswer } from "./cached-answer.js";
import { collectBody, type AnswerSink } from "./fleet-body.js";
import { sseBounds, streamEvents } from "./fleet-stream.js";
import { SseResponse } from "./sse-response.js";
import { deliverUpstream, refusalResponse } from "./upstream-delivery.js";

/** How an OpenAI HTTP response is drawn: the body's shape, streamed or whole. */
export interface HttpRendering {
  shape: ResponseShape;
  /** What `shape` was made from: a single-choice stream is kept for resuming when given. */
  resumeShape?: StreamShape | undefined;
  stream: boolean;
  /** The client asked for the trailing usage chunk of a stream. */
  includeUsage: boolean;
  logprobs: boolean;
  n: number;
  promptParam: string;
}

/** A fleet answer as the non-streamed body it builds, handed on as the answer to keep. */
function keptAsBody(keep: Delivery["keep"]): AnswerSink | undefined {
  if (!keep) return undefined;
  return (body, usage) => {
    const answer = answerBodyOf(body);
    if (answer) keep(answer, usage);
  };
}

/**
 * Renders a generation as OpenAI's HTTP API answers it: one JSON body, or server-sent events
 * ending in `[DONE]` (an error event when it fails after the 200 went out). Streams are written
 * straight to the node response.
 */
export class HttpRenderer implements Renderer<Response> {
  started = false;

  constructor(
    private readonly c: Context<GatewayEnv>,
    private readonly deps: GatewayDeps,
    private readonly rendering: HttpRendering,
    /** Aborted here when a stream's client reads too slowly: the job is cancelled as if it had left. */
    private readonly cancel: CancelSignal,
  ) {}

  cacheMiss(): void {
    setResponseHeader(this.c, CACHE_HEADER, "miss");
  }

  cached(answer: CachedAnswer): Response {
    this.started = true;
    return replayAnswer(this.c, answer, { stream: this.rendering.stream, includeUsage: this.rendering.includeUsage });
  }

  resumable(): ResumableStream | undefined {
    const { stream, resumeShape, promptParam } = this.rendering;
    if (!stream || !resumeShape) return undefined;
    return { method: this.c.req.method, path: this.c.req.path, promptParam, shape: resumeShape };
  }

  async fleet(calls: ChoiceCalls, delivery: Delivery, kept: boolean): Promise<Response> {
    const { c, rendering } = this;
    if (delivery.routed) setResponseHeader(c, PROVIDER_HEADER, LOCAL_PROVIDER);
    const servedBy = () => setResponseHeader(c, HttpHeader.worker, [...calls.workerIds].join(","));
    const ledger = c.get("ledger");
    const onAnswer = keptAsBody(delivery.keep);
    if (!rendering.stream) {
      let body: object;
      try {
        body = await collectBody(calls, { shape: rendering.shape, n: rendering.n, logprobs: rendering.logprobs, onAnswer }, ledger);
      } catch (err) {
        if (delivery.routed) setResponseHeader(c, PROVIDER_HEADER, undefined);
        throw err;
      }
      this.started = true;
      servedBy();
      return c.json(body);
    }
    servedBy();
    const sse = new SseResponse(c.env.outgoing, sseBounds(this.deps));
    sse.open(responseHeaders(c));
    this.started = true;
    const requestId = c.get("requestId");
    const { shape, n, includeUsage, logprobs } = rendering;
    void streamEvents(sse, calls, { requestId, ledger, shape, n, includeUsage, onAnswer, logprobs, ids: kept, after: 0, onTooSlow: () => this.cancel.abort() }, this.deps);
    return RESPONSE_ALREADY_SENT;
  }

  upstream(answer: UpstreamAnswer, delivery: Delivery): Response {
    this.started = true;
    return deliverUpstream(this.c, answer, { includeUsage: this.rendering.includeUsage, keep: delivery.keep });
  }

  refusal(refusal: UpstreamRefusal): Response {
    return refusalResponse(this.c, refusal);
  }
}
