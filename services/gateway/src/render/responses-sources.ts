import type { CachedAnswer } from "@lantern/shared/contracts";
import { answerBodyOf } from "../cache/response-cache.js";
import type { Cancellation } from "../context/cancel-signal.js";
import { ClientGoneError } from "../errors/api-error.js";
import type { ChoiceCalls } from "../jobs/choice-fan-out.js";
import { chatCompletionShape } from "../openai/response-shapes.js";
import { readUpstreamChunks } from "../providers/upstream-chunks.js";
import { upstreamBroken } from "../providers/upstream-errors.js";
import { ChatChunkReader, readChatBody, type AnswerEnd } from "../responses/chat-answer.js";
import type { OutputAssembler } from "../responses/output-assembler.js";
import type { Json } from "../responses/response-object.js";
import type { Delivery, UpstreamAnswer } from "../serving/generation.js";
import { emptyChoices, recordEvent } from "./fleet-body.js";

/**
 * Whoever answers (the fleet, an upstream, the cache) drives the response's output through the
 * assembler and resolves with how the answer ended; a failure is thrown.
 */
export type AnswerSource = (out: OutputAssembler) => Promise<AnswerEnd>;

/** A kept answer (an OpenAI chat body) replayed as the response's output. */
export const cachedSource =
  (hit: CachedAnswer): AnswerSource =>
  async (out) =>
    readChatBody(JSON.parse(hit.body) as Json, out);

/** The fleet's one choice as it streams; the complete answer is kept as the chat body it amounts to. */
export function fleetSource(calls: ChoiceCalls, delivery: Delivery, chatId: string): AnswerSource {
  return async (out) => {
    const choices = emptyChoices(1, false);
    for await (const event of calls.events()) {
      recordEvent(choices, event);
      if (event.kind === "text") out.textDelta(event.text);
      else if (event.kind === "reasoning") out.reasoningDelta(event.text);
      else if (event.kind === "tool_call") out.callPiece(event.call);
      else if (event.kind === "finish") out.finish(event.finishReason);
      else if (event.kind === "error") throw event.error;
      else {
        if (delivery.keep) {
          const shape = chatCompletionShape({ id: chatId, model: delivery.model, created: Math.floor(Date.now() / 1000), includeUsage: false });
          const answer = answerBodyOf(shape.body(choices, event.usage));
          if (answer) delivery.keep(answer, event.usage);
        }
        return { finishReason: choices[0]!.finishReason, usage: event.usage };
      }
    }
    // The events end without complete or error only when the client went away.
    throw new ClientGoneError();
  };
}

/** A route's upstream answer (OpenAI chat, whole or streamed) as the response's output; the complete answer is kept. */
export function upstreamSource(attempt: UpstreamAnswer, delivery: Delivery, cancel: Cancellation): AnswerSource {
  const { provider } = attempt;
  if (attempt.kind === "answer") {
    return async (out) => {
      const text = attempt.body.toString("utf8");
      let parsed: Json;
      try {
        parsed = JSON.parse(text) as Json;
      } catch (err) {
        throw upstreamBroken(provider, err);
      }
      const end = readChatBody(parsed, out);
      const answer = answerBodyOf(parsed, text);
      if (answer) delivery.keep?.(answer, end.usage);
      return end;
    };
  }
  return async (out) => {
    const reader = new ChatChunkReader(out);
    let answer;
    try {
      answer = await readUpstreamChunks(attempt, (chunk) => reader.push(chunk));
    } catch (err) {
      if (cancel.aborted) throw new ClientGoneError();
      throw err;
    }
    if (cancel.aborted) throw new ClientGoneError();
    const end = reader.end();
    if (answer) delivery.keep?.(answer, end.usage);
    return end;
  };
}
