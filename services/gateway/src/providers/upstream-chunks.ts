import type { AnswerBody } from "../cache/response-cache.js";
import { StreamAnswer } from "../cache/stream-answer.js";
import { SseEventCutter, SseEventTooLargeError } from "./sse-events.js";
import { dataOf } from "./sse-relay.js";
import { upstreamBroken, upstreamTooLarge } from "./upstream-errors.js";
import type { UpstreamAttempt } from "./upstream-proxy.js";

type Json = Record<string, unknown>;

/**
 * Reads an upstream's OpenAI chat stream chunk by chunk, each parsed chunk to `onChunk`, and
 * returns the whole answer as a non-streamed body when `keep` (for the cache). Whole events only
 * are decoded: a character whose bytes two chunks split is read whole. A broken connection or an
 * event too large is thrown as the upstream's ApiError, the connection dropped.
 */
export async function readUpstreamChunks(
  attempt: Extract<UpstreamAttempt, { kind: "stream" }>,
  onChunk: (chunk: Json) => void,
  keep = true,
): Promise<AnswerBody | undefined> {
  const kept = keep ? new StreamAnswer() : undefined;
  const cutter = new SseEventCutter(attempt.maxEventBytes);
  const readEvents = (events: Buffer) => {
    for (const event of events.toString("utf8").split(/\r?\n\r?\n/)) {
      const data = dataOf(event);
      if (!data || data === "[DONE]") continue;
      kept?.add(data);
      onChunk(JSON.parse(data) as Json);
    }
  };
  try {
    for await (const bytes of attempt.response.body) {
      const events = cutter.push(bytes as Buffer);
      if (events) readEvents(events);
    }
    const rest = cutter.rest();
    if (rest) readEvents(rest);
  } catch (err) {
    attempt.response.body.destroy();
    throw err instanceof SseEventTooLargeError ? upstreamTooLarge(attempt.provider, attempt.maxEventBytes, "a stream event") : upstreamBroken(attempt.provider, err);
  }
  return kept?.answer();
}
