import type { TokenUsage } from "@lantern/shared/contracts";
import { ChatChunkReader } from "../anthropic/openai-answer.js";
import type { MessageAssembly } from "../anthropic/message-assembly.js";
import { answerBodyOf, type AnswerBody } from "../cache/response-cache.js";
import { ApiError } from "../errors/api-error.js";
import type { Cancellation } from "../context/cancel-signal.js";
import type { RequestLedger } from "../context/request-ledger.js";
import { tokenUsageOf } from "../providers/openai-usage.js";
import { readUpstreamChunks } from "../providers/upstream-chunks.js";
import { upstreamBroken } from "../providers/upstream-errors.js";
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
  let first = true;
  let answer;
  try {
    assembly.start();
    answer = await readUpstreamChunks(
      attempt,
      (chunk) => {
        if (first) ledger.firstOutput();
        first = false;
        reader.push(chunk);
      },
      keep !== undefined,
    );
  } catch (err) {
    if (reader.usage) ledger.usage(tokenUsageOf(reader.usage));
    if (!cancel.aborted) out.fail(err instanceof ApiError ? err : upstreamBroken(attempt.provider, err));
    out.end();
    return;
  }
  const usage = tokenUsageOf(reader.usage);
  ledger.usage(usage);
  assembly.end(usage);
  out.end();
  if (answer) keep?.(answer, usage);
}
