import type { OutgoingHttpHeaders } from "node:http";
import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { TokenUsage } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import { CancelSignal, onCancel } from "../http/cancel-signal.js";
import type { GatewayEnv } from "../http/gateway-env.js";
import { answerBodyOf, type AnswerBody } from "../cache/response-cache.js";
import { StreamAnswer } from "../cache/stream-answer.js";
import { tokenUsageOf } from "./openai-usage.js";
import { PROVIDER_HEADER } from "./provider-header.js";
import { SseRelay } from "./sse-relay.js";
import { timeoutOf, type UpstreamCall, type UpstreamClient, type UpstreamResponse } from "./upstream-client.js";
import { loopDetected, MAX_HOPS } from "./gateway-hops.js";
import { SseEventTooLargeError } from "./sse-events.js";
import { openAiErrorBody, upstreamFailure, upstreamTimedOut, upstreamTooLarge } from "./upstream-errors.js";
import { responseHeaders, setResponseHeader } from "../http/response-headers.js";

/** What one call to an upstream came to, before anything was sent to the client. */
export type UpstreamAttempt =
  /** A whole non-streamed answer (2xx), already read. */
  | { kind: "answer"; provider: string; status: number; contentType: string | undefined; body: Buffer }
  /** A streamed answer (2xx) whose events are still to come, none of them larger than `maxEventBytes`. */
  | { kind: "stream"; provider: string; status: number; response: UpstreamResponse; timeoutMs: number; maxEventBytes: number }
  /** Any other status, its body read. */
  | { kind: "refusal"; provider: string; status: number; body: Buffer; retryAfter: string | undefined };

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** The whole body, or null as soon as it passes `limit` bytes (the rest is not read: the connection is dropped). */
async function readWhole(response: UpstreamResponse, limit: number): Promise<Buffer | null> {
  const length = headerValue(response.headers["content-length"]);
  const declared = length === undefined ? Number.NaN : Number(length);
  if (declared > limit) {
    response.body.destroy();
    return null;
  }
  // A declared length within the limit is all the connection delivers for this answer.
  if (Number.isInteger(declared)) return Buffer.from(await response.body.arrayBuffer());
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      response.body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Calls the upstream and reads as much as must be known before answering: the whole body of a
 * non-streamed answer or a refusal, only the head of a stream. A timeout or a broken connection
 * on the way throws ApiError 504/502; nothing has been sent to the client then, so a route may
 * still try its next step.
 */
export async function attemptUpstream(client: UpstreamClient, call: UpstreamCall, stream: boolean): Promise<UpstreamAttempt> {
  const provider = call.provider.name;
  const timeoutMs = timeoutOf(call);
  const clientGone = call.signal;
  if (clientGone.aborted) throw new ClientGoneError();
  if (call.hops >= MAX_HOPS) throw loopDetected(call.hops);
  // One signal for the call: the client leaving drops it at any time, the deadline only until it is answered.
  const attempt = new CancelSignal();
  const stopListening = onCancel(clientGone, () => attempt.abort());
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, timeoutMs);
  try {
    const response = await client.send({ ...call, signal: attempt });
    const status = response.statusCode;
    const contentType = headerValue(response.headers["content-type"]);
    if (status >= 200 && status < 300 && stream && contentType?.startsWith("text/event-stream")) {
      return { kind: "stream", provider, status, response, timeoutMs, maxEventBytes: client.answerLimitBytes };
    }
    const body = await readWhole(response, client.answerLimitBytes);
    if (!body) throw upstreamTooLarge(provider, client.answerLimitBytes, "an answer");
    stopListening();
    if (status >= 200 && status < 300) return { kind: "answer", provider, status, contentType, body };
    return { kind: "refusal", provider, status, body, retryAfter: headerValue(response.headers["retry-after"]) };
  } catch (err) {
    stopListening();
    if (clientGone.aborted) throw new ClientGoneError();
    if (timedOut) throw upstreamTimedOut(provider, timeoutMs);
    throw err instanceof ApiError ? err : upstreamFailure(provider, timeoutMs, err);
  } finally {
    clearTimeout(deadline);
  }
}

/** Lets go of an attempt that will not be delivered: a stream's connection is closed, not read. */
export function dropAttempt(attempt: UpstreamAttempt): void {
  if (attempt.kind === "stream") attempt.response.body.destroy();
}

export interface DeliveryOptions {
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
