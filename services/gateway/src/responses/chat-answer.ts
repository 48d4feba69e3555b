import type { FinishReason, TokenUsage } from "@lantern/shared/contracts";
import { tokenUsageOf } from "../providers/openai-usage.js";
import type { OutputAssembler } from "./output-assembler.js";
import type { Json } from "./response-object.js";

/** How an answer ended: what a route's upstream or a kept answer says, in the platform's terms. */
export interface AnswerEnd {
  finishReason: FinishReason;
  usage: TokenUsage;
}

const finishOf = (value: unknown): FinishReason => (value === "length" ? "length" : value === "tool_calls" || value === "function_call" ? "tool_calls" : "stop");

/** OpenAI chat usage, with the prompt tokens a cache held. */
export function chatUsage(usage: unknown): TokenUsage {
  const counted = tokenUsageOf(usage);
  const cached = (usage as { prompt_tokens_details?: { cached_tokens?: unknown } } | null | undefined)?.prompt_tokens_details?.cached_tokens;
  return typeof cached === "number" && cached > 0 ? { ...counted, cachedTokens: Math.floor(cached) } : counted;
}

type ChatCall = { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } };

/** A whole chat completion (a kept answer, an upstream's body) as the response's output. */
export function readChatBody(body: Json, out: OutputAssembler): AnswerEnd {
  const choice = (body.choices as Json[] | undefined)?.[0];
  const message = (choice?.message ?? {}) as Json;
  if (typeof message.reasoning_content === "string") out.reasoningDelta(message.reasoning_content);
  if (typeof message.content === "string") out.textDelta(message.content);
  ((message.tool_calls ?? []) as ChatCall[]).forEach((call, index) => {
    const piece = { index, name: String(call.function?.name ?? ""), arguments: String(call.function?.arguments ?? ""), first: true };
    out.callPiece(piece, typeof call.id === "string" ? call.id : undefined);
  });
  const finishReason = finishOf(choice?.finish_reason);
  out.finish(finishReason);
  return { finishReason, usage: chatUsage(body.usage) };
}

/** An upstream's streamed chat chunks, one at a time, as the response's output. */
export class ChatChunkReader {
  private finish: unknown;
  private usage: unknown;
  private readonly names = new Map<number, string>();

  constructor(private readonly out: OutputAssembler) {}

  push(chunk: Json): void {
    if (chunk.usage && typeof chunk.usage === "object") this.usage = chunk.usage;
    const choice = (chunk.choices as Json[] | undefined)?.[0];
    if (!choice) return;
    const delta = (choice.delta ?? {}) as Json;
    if (typeof delta.reasoning_content === "string") this.out.reasoningDelta(delta.reasoning_content);
    if (typeof delta.content === "string") this.out.textDelta(delta.content);
    for (const call of (delta.tool_calls ?? []) as ChatCall[]) {
      const index = typeof call.index === "number" ? call.index : 0;
      const first = !this.names.has(index);
      if (first) this.names.set(index, String(call.function?.name ?? ""));
      const piece = { index, name: this.names.get(index)!, arguments: String(call.function?.arguments ?? ""), first };
      this.out.callPiece(piece, typeof call.id === "string" ? call.id : undefined);
    }
    if (choice.finish_reason != null) this.finish = choice.finish_reason;
  }

  end(): AnswerEnd {
    const finishReason = finishOf(this.finish);
    this.out.finish(finishReason);
    return { finishReason, usage: chatUsage(this.usage) };
  }
}
