import type { OutgoingHttpHeaders } from "node:http";
import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { TokenUsage } from "@lantern/shared/contracts";
import type { GatewayEnv } from "../context/gateway-env.js";
import { responseHeaders, setResponseHeader } from "../context/response-headers.js";
import { answerBodyOf, type AnswerBody } from "../cache/response-cache.js";
import { StreamAnswer } from "../cache/stream-answer.js";
import { tokenUsageOf } from "../providers/openai-usage.js";
import { PROVIDER_HEADER } from "../providers/provider-header.js";
import { SseRelay } from "../providers/sse-relay.js";
import { SseEventTooLargeError } from "../providers/sse-events.js";
import { openAiErrorBody, upstreamFailure, upstreamTooLarge } from "../providers/upstream-errors.js";
import type { UpstreamAttempt } from "../providers/upstream-proxy.js";

interface DeliveryOptions {
  /** The client asked for the trailing usage chunk of a stream. */
  includeUsage: boolean;
  /** Keeps the complete answer (for the cache) once it was all sent. */
  keep?: ((answer: AnswerBody, usage: TokenUsage) => void) | undefined;
}

/** The headers set on the context so far (request id, and whatever the edge added), for a response written directly. */
function contextHeaders(c: Context<GatewayEnv>, provider: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...responseHeaders(c) };
  headers[PROVIDER_HEADER] = provider;
  return headers;
}

/** Sends a whole upstream answer as it came, written straight to the socket; its usage goes to the ledger. */
function sendAnswer(c: Context<GatewayEnv>, attempt: Extract<UpstreamAttempt, { kind: "answer" }>, options: DeliveryOptions): Response {
  const ledger = c.get("ledger");
  ledger.servedBy({ provider: attempt.provider });
  const text = attempt.body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: passed on as it is, with no usage to count.
  }
  const reported = (parsed as { usage?: unknown } | undefined)?.usage;
  const usage = reported ? tokenUsageOf(reported) : undefined;
  ledger.firstOutput();
  if (usage) ledger.usage(usage);
  const answer = options.keep && answerBodyOf(parsed, text);
  if (answer) options.keep!(answer, usage ?? { promptTokens: 0, completionTokens: 0 });
  const headers = contextHeaders(c, attempt.provider);
  headers["content-type"] = attempt.contentType ?? "application/json";
  headers["content-length"] = attempt.body.length;
  c.env.outgoing.writeHead(attempt.status, headers);
  c.env.outgoing.end(attempt.body);
  return RESPONSE_ALREADY_SENT;
}

/**
 * Relays an upstream's event stream chunk by chunk, pausing the upstream while the client cannot
 * take more; its usage goes to the ledger. A failure after the head went out ends the stream
 * with an error event.
 */
function relayStream(c: Context<GatewayEnv>, attempt: Extract<UpstreamAttempt, { kind: "stream" }>, options: DeliveryOptions): Response {
  const ledger = c.get("ledger");
  const out = c.env.outgoing;
  ledger.servedBy({ provider: attempt.provider });
  ledger.streaming();
  const headers = contextHeaders(c, attempt.provider);
  headers["content-type"] = "text/event-stream";
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  out.writeHead(attempt.status, headers);
  out.flushHeaders();

  const answer = options.keep ? new StreamAnswer() : undefined;
  const relay = new SseRelay(out, {
    maxEventBytes: attempt.maxEventBytes,
    keepUsage: options.includeUsage,
    onFirstOutput: () => ledger.firstOutput(),
    onData: answer && ((payload) => answer.add(payload)),
  });
  const body = attempt.response.body;
  const resume = () => body.resume();
  body.on("data", (chunk: Buffer) => {
    let clientHasRoom: boolean;
    try {
      clientHasRoom = relay.push(chunk);
    } catch (err) {
      // An event too large to hold: the stream cannot go on.
      body.destroy(err as Error);
      return;
    }
    if (!clientHasRoom) {
      body.pause();
      out.once("drain", resume);
    }
  });
  body.once("end", () => {
    relay.finish();
    if (relay.usage) ledger.usage(relay.usage);
    out.end();
    const complete = answer?.answer();
    if (complete && options.keep) options.keep(complete, relay.usage ?? { promptTokens: 0, completionTokens: 0 });
  });
  body.once("error", (err) => {
    if (relay.usage) ledger.usage(relay.usage);
    if (out.destroyed) return;
    const failure =
      err instanceof SseEventTooLargeError
        ? upstreamTooLarge(attempt.provider, attempt.maxEventBytes, "a stream event")
        : upstreamFailure(attempt.provider, attempt.timeoutMs, err);
    out.end(`data: ${JSON.stringify(failure.toBody())}\n\n`);
  });
  return RESPONSE_ALREADY_SENT;
}

/** Answers the client with a successful upstream answer, whole or streamed. */
export function deliverUpstream(
  c: Context<GatewayEnv>,
  attempt: Exclude<UpstreamAttempt, { kind: "refusal" }>,
  options: DeliveryOptions,
): Response {
  return attempt.kind === "answer" ? sendAnswer(c, attempt, options) : relayStream(c, attempt, options);
}

/** Passes an upstream's refusal on with its status, its body in the OpenAI error shape. */
export function refusalResponse(c: Context<GatewayEnv>, attempt: Extract<UpstreamAttempt, { kind: "refusal" }>): Response {
  c.get("ledger").servedBy({ provider: attempt.provider });
  setResponseHeader(c, PROVIDER_HEADER, attempt.provider);
  if (attempt.retryAfter) setResponseHeader(c, "retry-after", attempt.retryAfter);
  return c.body(new Uint8Array(openAiErrorBody(attempt.status, attempt.body)), attempt.status as ContentfulStatusCode, { "content-type": "application/json" });
}
