import type { FinishReason, TokenUsage } from "@lantern/shared/contracts";
import { chatCompletionShape, type ChoiceResult } from "../openai/response-shapes.js";
import type { MessageAssembly } from "./message-assembly.js";

/*
 * Answers in OpenAI's chat shape (a cached answer, an upstream route step's body or stream) read
 * into a MessageAssembly, so they come out as Anthropic messages like the fleet's.
 */

type Json = Record<string, unknown>;

export function finishOf(value: unknown): FinishReason {
  if (value === "length") return "length";
  return value === "tool_calls" || value === "function_call" ? "tool_calls" : "stop";
}

const textOf = (value: unknown) => (typeof value === "string" ? value : "");

/** `stop_sequence` rides along in the chat bodies the gateway keeps for Anthropic requests. */
const stopSequenceOf = (choice: Json | undefined) => (typeof choice?.stop_sequence === "string" ? choice.stop_sequence : undefined);

const firstChoice = (body: Json): Json | undefined => (Array.isArray(body.choices) ? (body.choices[0] as Json | undefined) : undefined);

/** A whole chat completion body: its thoughts, text and calls, then how it ended. */
export function assembleChatBody(body: Json, into: MessageAssembly): void {
  const choice = firstChoice(body);
  const message = (choice?.message ?? {}) as Json;
  into.thinking(textOf(message.reasoning_content ?? message.reasoning));
  into.text(textOf(message.content));
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : [];
  calls.forEach((call, index) => {
    const fn = (call.function ?? {}) as Json;
    into.toolCall({ index, name: textOf(fn.name), arguments: textOf(fn.arguments) });
  });
  into.finish(finishOf(choice?.finish_reason), stopSequenceOf(choice));
}

/** Chat completion chunks of a stream, read as they come; the last usage seen is kept. */
export class ChatChunkReader {
  usage: unknown;
  finished = false;
  private readonly names = new Map<number, string>();

  constructor(private readonly into: MessageAssembly) {}

  push(chunk: Json): void {
    if (chunk.usage && typeof chunk.usage === "object") this.usage = chunk.usage;
    const choice = firstChoice(chunk);
    if (!choice) return;
    const delta = (choice.delta ?? {}) as Json;
    this.into.thinking(textOf(delta.reasoning_content ?? delta.reasoning));
    this.into.text(textOf(delta.content));
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls as Json[]) {
        const index = typeof call.index === "number" ? call.index : 0;
        const fn = (call.function ?? {}) as Json;
        // Only a call's first piece names it.
        if (typeof fn.name === "string" && fn.name) this.names.set(index, fn.name);
        this.into.toolCall({ index, name: this.names.get(index) ?? "", arguments: textOf(fn.arguments) });
      }
    }
    if (choice.finish_reason != null) {
      this.finished = true;
      this.into.finish(finishOf(choice.finish_reason), stopSequenceOf(choice));
    }
  }
}

/**
 * The fleet's reply as the OpenAI chat body the cache keeps, with the stop string that ended it
 * (`stop_sequence` on the choice: only Anthropic requests read these entries back).
 */
export function chatBodyOf(choice: ChoiceResult, stopSequence: string | undefined, head: { id: string; model: string }, usage: TokenUsage): Json {
  const shape = chatCompletionShape({ ...head, created: Math.floor(Date.now() / 1000), includeUsage: false });
  const body = shape.body([choice], usage) as Json & { choices: Json[] };
  if (stopSequence !== undefined) body.choices[0]!.stop_sequence = stopSequence;
  return body;
}
