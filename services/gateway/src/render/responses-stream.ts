import type { GatewayDeps } from "../gateway-deps.js";
import type { RequestLedger } from "../context/request-ledger.js";
import { ApiError, ClientGoneError, clientTooSlow, internalError } from "../errors/api-error.js";
import { OutputAssembler, type ResponsesEvent } from "../responses/output-assembler.js";
import { responseObject, type Json, type ResponseEcho } from "../responses/response-object.js";
import type { AnswerEnd } from "../responses/chat-answer.js";
import type { AnswerSource } from "./responses-sources.js";
import type { SseResponse } from "./sse-response.js";

interface StreamedResponse {
  echo: ResponseEcho;
  ledger: RequestLedger;
  /** The finished Response, before `response.completed` goes out (it is stored then). */
  finished(response: Json, end: AnswerEnd): Promise<void>;
  /** The client reads too slowly: the job is stopped as if it had left. */
  onTooSlow(): void;
}

/**
 * Writes one response as OpenAI's typed events, each with its `sequence_number`: created and in
 * progress at once, then each output item as it grows, then `response.completed` (or
 * `response.incomplete`); a failure after the head went out is an `error` event and `response.failed`.
 */
export async function streamResponse(sse: SseResponse, source: AnswerSource, streamed: StreamedResponse, deps: GatewayDeps): Promise<void> {
  const { echo, ledger } = streamed;
  let sequence = 0;
  const send = (event: ResponsesEvent) => void sse.event(event.type, JSON.stringify({ ...event, sequence_number: sequence++ }));
  let waiting = true;
  const ping = setInterval(() => {
    if (waiting) void sse.comment("ping");
  }, deps.config.GATEWAY_SSE_PING_MS);
  sse.onTooSlow((reason) => {
    const error = clientTooSlow(reason === "buffer" ? "too many bytes waiting for it" : "waiting bytes not taken in time");
    deps.logger.warn({ requestId: echo.id, reason, code: error.code }, "client too slow; stream dropped and job cancelled");
    ledger.dropped(error);
    sse.drop(JSON.stringify({ type: "error", code: error.code, message: error.message, param: null, sequence_number: sequence++ }), "error");
    streamed.onTooSlow();
  });
  const out = new OutputAssembler(echo.id, (event) => {
    if (waiting && event.type === "response.output_item.added") {
      waiting = false;
      ledger.firstOutput();
    }
    send(event);
  });
  send({ type: "response.created", response: responseObject(echo, { status: "in_progress", output: [] }) });
  send({ type: "response.in_progress", response: responseObject(echo, { status: "in_progress", output: [] }) });
  try {
    const end = await source(out);
    ledger.usage(end.usage);
    const status = end.finishReason === "length" ? "incomplete" : "completed";
    const response = responseObject(echo, { status, output: out.output, usage: end.usage });
    await streamed.finished(response, end);
    send({ type: status === "incomplete" ? "response.incomplete" : "response.completed", response });
  } catch (err) {
    if (err instanceof ClientGoneError) return;
    const error = err instanceof ApiError ? err : internalError(undefined, err);
    if (!(err instanceof ApiError)) deps.logger.error({ err, requestId: echo.id }, "response stream failed");
    ledger.failed(error);
    send({ type: "error", code: error.code, message: error.message, param: error.param });
    const failure = { code: error.code ?? "server_error", message: error.message };
    send({ type: "response.failed", response: responseObject(echo, { status: "failed", output: out.output, error: failure }) });
  } finally {
    clearInterval(ping);
    sse.end();
  }
}
