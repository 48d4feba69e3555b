import { streamEventId } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../gateway-deps.js";
import { ApiError, clientTooSlow, internalError } from "../errors/api-error.js";
import type { RequestLedger } from "../context/request-ledger.js";
import type { ChoiceCalls } from "../jobs/choice-fan-out.js";
import type { ResponseShape } from "../openai/response-shapes.js";
import { emptyChoices, recordEvent, type AnswerSink } from "./fleet-body.js";
import type { SseBounds, SseResponse, TooSlowReason } from "./sse-response.js";

/** How a stream's events are written; a resumed stream passes the original request's id and what its client already has. */
interface StreamOptions {
  requestId: string;
  ledger: RequestLedger;
  shape: ResponseShape;
  n: number;
  includeUsage: boolean;
  onAnswer?: AnswerSink | undefined;
  /** The whole answer given to `onAnswer` keeps the tokens' logprobs. */
  logprobs?: boolean;
  /** Each event gets the id `<requestId>:<seq>` (a stream that can be resumed). */
  ids: boolean;
  /** Events of replies up to this one are not written: the client has them (0: write all). */
  after: number;
  /** Called once when the client reads too slowly: the caller stops the job; the stream is dropped here. */
  onTooSlow: () => void;
}

/** What a stream may hold for a client that does not keep up. */
export function sseBounds(deps: GatewayDeps): SseBounds {
  return { maxPendingBytes: deps.config.GATEWAY_STREAM_BUFFER_BYTES, stallMs: deps.config.GATEWAY_STREAM_STALL_MS };
}

const tooSlowDetail = (reason: TooSlowReason, deps: GatewayDeps) =>
  reason === "buffer"
    ? `more than ${deps.config.GATEWAY_STREAM_BUFFER_BYTES} bytes waiting for it`
    : `none of the waiting bytes taken for ${deps.config.GATEWAY_STREAM_STALL_MS} ms`;

/** Writes the accepted job's events as OpenAI stream chunks, ending in `[DONE]` or an error event. */
export async function streamEvents(sse: SseResponse, calls: ChoiceCalls, opts: StreamOptions, deps: GatewayDeps) {
  const { requestId, ledger, shape } = opts;
  let waitingForText = true;
  const ping = setInterval(() => {
    if (waitingForText) void sse.comment("ping");
  }, deps.config.GATEWAY_SSE_PING_MS);
  const send = (body: object, seq: number) => {
    if (seq > opts.after) void sse.data(JSON.stringify(body), opts.ids ? streamEventId(requestId, seq) : undefined);
  };
  sse.onTooSlow((reason) => {
    const error = clientTooSlow(tooSlowDetail(reason, deps));
    deps.logger.warn({ requestId, reason, pendingBytes: sse.pendingBytes, code: error.code }, "client too slow; stream dropped and job cancelled");
    ledger.dropped(error);
    sse.drop(JSON.stringify(error.toBody()));
    opts.onTooSlow();
  });
  // Only kept when someone wants the whole answer at the end.
  const choices = opts.onAnswer ? emptyChoices(opts.n, Boolean(opts.logprobs)) : undefined;
  try {
    for (let index = 0; index < opts.n; index++) {
      const start = shape.start(index);
      // The chunk that opens a choice comes from its `accepted`, the first reply.
      if (start) send(start, 1);
    }
    for await (const event of calls.events()) {
      if (choices) recordEvent(choices, event);
      if (event.kind === "text" || event.kind === "reasoning" || event.kind === "tool_call") {
        if (waitingForText) ledger.firstOutput();
        waitingForText = false;
        const chunk =
          event.kind === "text"
            ? shape.chunk(event.index, event.text, event.logprobs)
            : event.kind === "reasoning"
              ? shape.reasoning(event.index, event.text)
              : shape.toolCall(event.index, event.call);
        if (chunk) send(chunk, event.seq);
      } else if (event.kind === "finish") {
        send(shape.finish(event.index, event.finishReason), event.seq);
      } else if (event.kind === "complete") {
        // Counted whether or not the client asked to see it.
        ledger.usage(event.usage);
        if (opts.includeUsage) send(shape.usage(event.usage), event.seq);
        sse.end("[DONE]");
        if (choices) opts.onAnswer?.(shape.body(choices, event.usage), event.usage);
      } else {
        // A failure after the 200 was sent: an explicit error event, never a silent close.
        ledger.failed(event.error);
        void sse.data(JSON.stringify(event.error.toBody()));
      }
    }
  } catch (err) {
    const apiError = err instanceof ApiError ? err : internalError(undefined, err);
    deps.logger.error({ err, requestId }, "stream failed");
    ledger.failed(apiError);
    void sse.data(JSON.stringify(apiError.toBody()));
  } finally {
    clearInterval(ping);
    sse.end();
  }
}
