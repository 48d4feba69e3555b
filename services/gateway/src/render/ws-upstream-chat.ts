import type { TokenUsage } from "@lantern/shared/contracts";
import { answerBodyOf, type AnswerBody } from "../cache/response-cache.js";
import { ApiError, ClientGoneError, type ApiErrorType } from "../errors/api-error.js";
import type { Cancellation } from "../context/cancel-signal.js";
import { tokenUsageOf } from "../providers/openai-usage.js";
import { readUpstreamChunks } from "../providers/upstream-chunks.js";
import type { UpstreamAnswer, UpstreamRefusal } from "../serving/generation.js";
import { openAiErrorBody, upstreamBroken } from "../providers/upstream-errors.js";
import type { ChatFinishReason, ChatOutput, ChatTurn } from "./ws-chat-output.js";

type Json = Record<string, unknown>;

/** An upstream's refusal (its status and OpenAI error body) as the error the chat ends with. */
export function refusalError(attempt: UpstreamRefusal): ApiError {
  const { error } = JSON.parse(openAiErrorBody(attempt.status, attempt.body).toString("utf8")) as { error: Json };
  const type = (typeof error.type === "string" ? error.type : attempt.status >= 500 ? "server_error" : "invalid_request_error") as ApiErrorType;
  return new ApiError(attempt.status as ApiError["status"], type, String(error.message ?? `The upstream provider answered ${attempt.status}.`), {
    code: typeof error.code === "string" ? error.code : "upstream_error",
    param: typeof error.param === "string" ? error.param : null,
  });
}

const finishOf = (value: unknown): ChatFinishReason => (value === "length" ? "length" : value === "tool_calls" || value === "function_call" ? "tool_calls" : "stop");

/** One choice's pieces of a chunk or of a whole answer, sent on to the socket. */
function relayChoice(out: ChatOutput, choice: Json | undefined, part: "delta" | "message"): unknown {
  const piece = (choice?.[part] ?? {}) as Json;
  if (typeof piece.reasoning_content === "string") out.thought(piece.reasoning_content);
  if (typeof piece.content === "string") out.text(piece.content);
  return choice?.finish_reason;
}

/**
 * An upstream's answer to a chat (a route's step asked it to stream, with its usage) sent on as
 * the socket's frames as its events come. The complete answer goes to `keep`.
 */
export async function relayUpstreamChat(
  attempt: UpstreamAnswer,
  out: ChatOutput,
  cancel: Cancellation,
  keep: ((answer: AnswerBody, usage: TokenUsage) => void) | undefined,
): Promise<ChatTurn> {
  const provider = attempt.provider;
  if (attempt.kind === "answer") {
    // An upstream that answers a stream request with a whole body: sent on as one piece.
    let parsed: Json;
    try {
      parsed = JSON.parse(attempt.body.toString("utf8")) as Json;
    } catch (err) {
      throw upstreamBroken(provider, err);
    }
    const finish = relayChoice(out, (parsed.choices as Json[] | undefined)?.[0], "message");
    const usage = tokenUsageOf(parsed.usage);
    const answer = answerBodyOf(parsed, attempt.body.toString("utf8"));
    if (answer) keep?.(answer, usage);
    return { usage, finishReason: finishOf(finish) };
  }

  let finish: unknown;
  let usage: unknown;
  let answer;
  try {
    answer = await readUpstreamChunks(attempt, (chunk) => {
      if (chunk.usage && typeof chunk.usage === "object") usage = chunk.usage;
      finish = relayChoice(out, (chunk.choices as Json[] | undefined)?.[0], "delta") ?? finish;
    });
  } catch (err) {
    if (cancel.aborted) throw new ClientGoneError();
    throw err;
  }
  if (cancel.aborted) throw new ClientGoneError();
  const turn = { usage: tokenUsageOf(usage), finishReason: finishOf(finish) };
  if (answer) keep?.(answer, turn.usage);
  return turn;
}
