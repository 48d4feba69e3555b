import type { Context } from "hono";
import type { AnthropicStreamEvent } from "@lantern/shared/contracts";
import { responseHeaders } from "../context/response-headers.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { anthropicError } from "../errors/anthropic-error.js";
import { ApiError, clientTooSlow, internalError } from "../errors/api-error.js";
import { sseBounds } from "./fleet-stream.js";
import { SseResponse } from "./sse-response.js";

/**
 * An Anthropic event stream on the node response: each event named by its type, a failure after
 * the 200 as an `error` event (never a silent close), and a client that reads too slowly dropped
 * with one (its generation stopped by `onTooSlow`).
 */
export class AnthropicSse {
  private readonly sse: SseResponse;
  private readonly requestId: string;

  constructor(
    private readonly c: Context<GatewayEnv>,
    private readonly deps: GatewayDeps,
    onTooSlow: () => void,
  ) {
    this.requestId = c.get("requestId");
    this.sse = new SseResponse(c.env.outgoing, sseBounds(deps));
    this.sse.onTooSlow((reason) => {
      const { config } = deps;
      const error = clientTooSlow(
        reason === "buffer"
          ? `more than ${config.GATEWAY_STREAM_BUFFER_BYTES} bytes waiting for it`
          : `none of the waiting bytes taken for ${config.GATEWAY_STREAM_STALL_MS} ms`,
      );
      deps.logger.warn({ requestId: this.requestId, reason, pendingBytes: this.sse.pendingBytes, code: error.code }, "client too slow; stream dropped and job cancelled");
      c.get("ledger").dropped(error);
      this.sse.drop(JSON.stringify(anthropicError(error, this.requestId).body), "error");
      onTooSlow();
    });
  }

  /** Sends the head; the stream counts as one for the request's usage event. */
  open(): void {
    this.c.get("ledger").streaming();
    this.sse.open(responseHeaders(this.c));
  }

  readonly send = (event: AnthropicStreamEvent): void => {
    void this.sse.event(event.type, JSON.stringify(event));
  };

  /** The stream cannot go on: an `error` event, accounted as the request's failure. */
  fail(err: unknown): void {
    const apiError = err instanceof ApiError ? err : internalError(undefined, err);
    if (!(err instanceof ApiError)) this.deps.logger.error({ err, requestId: this.requestId }, "stream failed");
    this.c.get("ledger").failed(apiError);
    void this.sse.event("error", JSON.stringify(anthropicError(apiError, this.requestId).body));
  }

  end(): void {
    this.sse.end();
  }
}
