import type { TokenUsage } from "@lantern/shared/contracts";
import { ChatChunkReader } from "../anthropic/openai-answer.js";
import type { MessageAssembly } from "../anthropic/message-assembly.js";
import { answerBodyOf, type AnswerBody } from "../cache/response-cache.js";
import { StreamAnswer } from "../cache/stream-answer.js";
import type { Cancellation } from "../context/cancel-signal.js";
import type { RequestLedger } from "../context/request-ledger.js";
import { tokenUsageOf } from "../providers/openai-usage.js";
import { SseEventCutter, SseEventTooLargeError } from "../providers/sse-events.js";
import { dataOf } from "../providers/sse-relay.js";
import { upstreamBroken, upstreamTooLarge } from "../providers/upstream-errors.js";
import type { UpstreamAnswer } from "../serving/generation.js";
import type { AnthropicSse } from "./anthropic-sse.js";

type Json = Record<string, unknown>;
type Keep = ((answer: AnswerBody, usage: TokenUsage) => void) | undefined;

/** An upstream's whole chat body; one that is not JSON is the upstream's failure (502), before anything reached the client. */
export function upstreamChatBody(attempt: Extract<UpstreamAnswer, { kind: "answer" }>, keep: Keep): { body: Json; usage: TokenUsage } {
  const text = attempt.body.toString("utf8");
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch (err) {
    throw upstreamBroken(attempt.provider, err);
  }
  const usage = tokenUsageOf(body.usage);
  const answer = answerBodyOf(body, text);
  if (answer) keep?.(answer, usage);
  return { body, usage };
}

interface RelayOptions {
  ledger: RequestLedger;
  cancel: Cancellation;
  keep: Keep;
}

/**
 * An upstream's chat stream (a route step asked for it with its usage) sent on as Anthropic's
 * events as its chunks come. A failure after the head went out is an `error` event; the client
 * leaving drops the upstream call.
 */
export async function relayUpstreamMessage(
  attempt: Extract<UpstreamAnswer, { kind: "stream" }>,
  out: AnthropicSse,
  assembly: MessageAssembly,
  { ledger, cancel, keep }: RelayOptions,
): Promise<void> {
  const reader = new ChatChunkReader(assembly);
  const kept = keep ? new StreamAnswer() : undefined;
  // Whole events only are decoded: a character whose bytes two chunks split is read whole.
  const cutter = new SseEventCutter(attempt.maxEventBytes);
  let first = true;
  const readEvents = (events: Buffer) => {
    for (const event of events.toString("utf8").split(/\r?\n\r?\n/)) {
      const data = dataOf(event);
      if (!data || data === "[DONE]") continue;
      kept?.add(data);
      if (first) ledger.firstOutput();
      first = false;
      reader.push(JSON.parse(data) as Json);
    }
  };
  try {
    assembly.start();
    for await (const bytes of attempt.response.body) {
      const events = cutter.push(bytes as Buffer);
      if (events) readEvents(events);
    }
    const rest = cutter.rest();
    if (rest) readEvents(rest);
  } catch (err) {
    attempt.response.body.destroy();
    if (reader.usage) ledger.usage(tokenUsageOf(reader.usage));
    if (!cancel.aborted) {
      out.fail(err instanceof SseEventTooLargeError ? upstreamTooLarge(attempt.provider, attempt.maxEventBytes, "a stream event") : upstreamBroken(attempt.provider, err));
    }
    out.end();
    return;
  }
  const usage = tokenUsageOf(reader.usage);
  ledger.usage(usage);
  assembly.end(usage);
  out.end();
  const answer = kept?.answer();
  if (answer) keep?.(answer, usage);
}
