import { randomBytes } from "node:crypto";
import type { FinishReason, TokenUsage } from "@lantern/shared/contracts";

/** A function call of the reply, its arguments complete (JSON text). */
export interface GeneratedToolCall {
  index: number;
  name: string;
  arguments: string;
}

/** Everything one generation produced, for a non-streamed body. */
export interface GenerationOutput {
  text: string;
  reasoning: string;
  toolCalls: GeneratedToolCall[];
}

/** A streamed piece of a call's arguments; `first` on the piece that opens the call. */
export interface ToolCallPiece {
  index: number;
  name: string;
  arguments: string;
  first: boolean;
}

/** The OpenAI wire shapes for one generation, as a chat completion or a text completion. */
export interface ResponseShape {
  /** The streamed chunk sent as soon as a worker accepted the job, if the shape has one. */
  start(): object | undefined;
  /** A streamed piece of text. */
  chunk(text: string): object;
  /** A streamed piece of the model's thoughts; undefined where the shape has no place for them. */
  reasoning(text: string): object | undefined;
  /** A streamed piece of a function call; undefined where the shape has no place for them. */
  toolCall(piece: ToolCallPiece): object | undefined;
  /** The streamed chunk that carries the finish reason. */
  finish(finishReason: FinishReason): object;
  /** The trailing streamed chunk with usage (`stream_options.include_usage`). */
  usage(usage: TokenUsage): object;
  /** The whole non-streamed body. */
  body(output: GenerationOutput, finishReason: FinishReason, usage: TokenUsage): object;
}

export interface ShapeContext {
  id: string;
  model: string;
  created: number;
  /** With include_usage every streamed chunk carries `usage: null` except the last. */
  includeUsage: boolean;
}

export interface ChatShapeContext extends ShapeContext {
  /** The request used the deprecated `functions`: a call comes back as `function_call`. */
  legacyFunctions?: boolean;
}

const openAiUsage = (u: TokenUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

// "cancelled" never reaches a client (it is gone); report it as a stop if it ever does.
function finishReasonOut(r: FinishReason, legacyFunctions = false): string {
  if (r === "tool_calls") return legacyFunctions ? "function_call" : "tool_calls";
  return r === "length" ? "length" : "stop";
}

/** Call ids in the OpenAI style; one per call of the reply, the same in every chunk that names it. */
function toolCallIds(): (index: number) => string {
  const ids = new Map<number, string>();
  return (index) => {
    let id = ids.get(index);
    if (!id) ids.set(index, (id = `call_${randomBytes(12).toString("base64url")}`));
    return id;
  };
}

export function chatCompletionShape({ id, model, created, includeUsage, legacyFunctions = false }: ChatShapeContext): ResponseShape {
  const base = { id, object: "chat.completion.chunk", created, model, system_fingerprint: null };
  const usageNull = includeUsage ? { usage: null } : {};
  const callId = toolCallIds();
  const deltaChunk = (delta: object) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    ...usageNull,
  });
  return {
    start: () => deltaChunk({ role: "assistant", content: "" }),
    chunk: (text) => deltaChunk({ content: text }),
    reasoning: (text) => deltaChunk({ reasoning_content: text }),
    toolCall: ({ index, name, arguments: args, first }) => {
      if (legacyFunctions) return deltaChunk({ function_call: first ? { name, arguments: args } : { arguments: args } });
      const call = first ? { index, id: callId(index), type: "function", function: { name, arguments: args } } : { index, function: { arguments: args } };
      return deltaChunk({ tool_calls: [call] });
    },
    finish: (finishReason) => ({
      ...base,
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReasonOut(finishReason, legacyFunctions) }],
      ...usageNull,
    }),
    usage: (usage) => ({ ...base, choices: [], usage: openAiUsage(usage) }),
    body: ({ text, reasoning, toolCalls }, finishReason, usage) => {
      const calls = toolCalls.length > 0;
      const message = {
        role: "assistant",
        // With calls and no text before them there is no content, as OpenAI answers.
        content: calls && !text ? null : text,
        ...(reasoning ? { reasoning_content: reasoning } : {}),
        ...(calls && legacyFunctions ? { function_call: { name: toolCalls[0]!.name, arguments: toolCalls[0]!.arguments } } : {}),
        ...(calls && !legacyFunctions
          ? { tool_calls: toolCalls.map((c) => ({ id: callId(c.index), type: "function", function: { name: c.name, arguments: c.arguments } })) }
          : {}),
        refusal: null,
      };
      return {
        id,
        object: "chat.completion",
        created,
        model,
        system_fingerprint: null,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOut(finishReason, legacyFunctions) }],
        usage: openAiUsage(usage),
      };
    },
  };
}

export function textCompletionShape({ id, model, created, includeUsage }: ShapeContext): ResponseShape {
  const base = { id, object: "text_completion", created, model, system_fingerprint: null };
  const usageNull = includeUsage ? { usage: null } : {};
  return {
    start: () => undefined,
    chunk: (text) => ({ ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: null }], ...usageNull }),
    // Text completions run without a chat template, so no thoughts or calls are ever marked.
    reasoning: () => undefined,
    toolCall: () => undefined,
    finish: (finishReason) => ({
      ...base,
      choices: [{ index: 0, text: "", logprobs: null, finish_reason: finishReasonOut(finishReason) }],
      ...usageNull,
    }),
    usage: (usage) => ({ ...base, choices: [], usage: openAiUsage(usage) }),
    body: ({ text }, finishReason, usage) => ({
      ...base,
      choices: [{ index: 0, text, logprobs: null, finish_reason: finishReasonOut(finishReason) }],
      usage: openAiUsage(usage),
    }),
  };
}
