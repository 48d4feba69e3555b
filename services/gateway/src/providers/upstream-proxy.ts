import { ApiError, ClientGoneError } from "../errors/api-error.js";
import { CancelSignal, onCancel } from "../context/cancel-signal.js";
import { timeoutOf, type UpstreamCall, type UpstreamClient, type UpstreamResponse } from "./upstream-client.js";
import { loopDetected, MAX_HOPS } from "./gateway-hops.js";
import { upstreamFailure, upstreamTimedOut, upstreamTooLarge } from "./upstream-errors.js";

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
