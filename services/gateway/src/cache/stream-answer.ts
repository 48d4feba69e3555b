import type { AnswerBody } from "./response-cache.js";

type Json = Record<string, unknown>;

interface ToolCallParts {
  id?: string;
  type?: string;
  name: string;
  arguments: string;
}

interface ChoiceParts {
  content: string;
  reasoning: string;
  toolCalls: Map<number, ToolCallParts>;
  functionCall: { name: string; arguments: string } | undefined;
  chatLogprobs: unknown[] | undefined;
  finishReason: unknown;
}

const emptyChoice = (): ChoiceParts => ({
  content: "",
  reasoning: "",
  toolCalls: new Map(),
  functionCall: undefined,
  chatLogprobs: undefined,
  finishReason: null,
});

/**
 * Rebuilds the non-streamed body from an upstream's streamed chunks (chat or text), so that a
 * streamed answer can be kept in the cache like any other. Gives up (`body()` is undefined) on
 * what it cannot rebuild faithfully: legacy text logprobs, or a stream that never finished.
 */
export class StreamAnswer {
  private head: Json | undefined;
  private readonly choices = new Map<number, ChoiceParts>();
  private usage: Json | undefined;
  private unsupported = false;

  add(payload: string): void {
    if (this.unsupported) return;
    let chunk: Json;
    try {
      chunk = JSON.parse(payload) as Json;
    } catch {
      this.unsupported = true;
      return;
    }
    this.head ??= chunk;
    if (chunk.usage && typeof chunk.usage === "object") this.usage = chunk.usage as Json;
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices as Json[]) this.addChoice(choice);
  }

  private addChoice(choice: Json): void {
    const index = typeof choice.index === "number" ? choice.index : 0;
    let parts = this.choices.get(index);
    if (!parts) this.choices.set(index, (parts = emptyChoice()));
    if (choice.finish_reason != null) parts.finishReason = choice.finish_reason;
    if (typeof choice.text === "string") {
      parts.content += choice.text;
      if (choice.logprobs != null) this.unsupported = true;
      return;
    }
    const delta = (choice.delta ?? {}) as Json;
    if (typeof delta.content === "string") parts.content += delta.content;
    if (typeof delta.reasoning_content === "string") parts.reasoning += delta.reasoning_content;
    const logprobs = (choice.logprobs as { content?: unknown[] } | null | undefined)?.content;
    if (Array.isArray(logprobs)) (parts.chatLogprobs ??= []).push(...logprobs);
    if (Array.isArray(delta.tool_calls)) {
      for (const piece of delta.tool_calls as Json[]) {
        const callIndex = typeof piece.index === "number" ? piece.index : 0;
        const fn = (piece.function ?? {}) as { name?: string; arguments?: string };
        let call = parts.toolCalls.get(callIndex);
        if (!call) parts.toolCalls.set(callIndex, (call = { name: "", arguments: "" }));
        if (typeof piece.id === "string") call.id = piece.id;
        if (typeof piece.type === "string") call.type = piece.type;
        if (fn.name) call.name += fn.name;
        if (fn.arguments) call.arguments += fn.arguments;
      }
    }
    const fnCall = delta.function_call as { name?: string; arguments?: string } | undefined;
    if (fnCall) {
      parts.functionCall ??= { name: "", arguments: "" };
      if (fnCall.name) parts.functionCall.name += fnCall.name;
      if (fnCall.arguments) parts.functionCall.arguments += fnCall.arguments;
    }
  }

  /** The body the same request would have got without `stream`, once every choice finished. */
  answer(): AnswerBody | undefined {
    const head = this.head;
    if (this.unsupported || !head || this.choices.size === 0) return undefined;
    const ordered = [...this.choices.entries()].sort(([a], [b]) => a - b);
    if (ordered.some(([, parts]) => parts.finishReason == null)) return undefined;
    const chat = head.object !== "text_completion";
    const choices = ordered.map(([index, parts]) => {
      if (!chat) return { index, text: parts.content, logprobs: null, finish_reason: parts.finishReason };
      const calls = [...parts.toolCalls.entries()].sort(([a], [b]) => a - b);
      const message: Json = { role: "assistant", content: parts.content || (calls.length || parts.functionCall ? null : "") };
      if (parts.reasoning) message.reasoning_content = parts.reasoning;
      if (calls.length) {
        message.tool_calls = calls.map(([, call]) => ({ id: call.id, type: call.type ?? "function", function: { name: call.name, arguments: call.arguments } }));
      }
      if (parts.functionCall) message.function_call = parts.functionCall;
      message.refusal = null;
      return { index, message, logprobs: parts.chatLogprobs ? { content: parts.chatLogprobs } : null, finish_reason: parts.finishReason };
    });
    const body: Json = {
      id: head.id,
      object: chat ? "chat.completion" : "text_completion",
      created: head.created,
      model: head.model,
      system_fingerprint: head.system_fingerprint ?? null,
      choices,
    };
    if (this.usage) body.usage = this.usage;
    return { object: chat ? "chat.completion" : "text_completion", body: JSON.stringify(body) };
  }
}
