import { createHash } from "node:crypto";
import type { FinishReason, StreamShape, TokenLogprob, TokenUsage } from "@lantern/shared/contracts";
import { chatLogprobs, legacyLogprobs } from "./logprobs.js";

/** A function call of a choice's reply, its arguments complete (JSON text). */
interface GeneratedToolCall {
  index: number;
  name: string;
  arguments: string;
}

/** Everything one choice produced, for a non-streamed body. */
export interface ChoiceResult {
  text: string;
  reasoning: string;
  toolCalls: GeneratedToolCall[];
  finishReason: FinishReason;
  /** Set when the request asked for logprobs. */
  logprobs: TokenLogprob[] | undefined;
}

/** A streamed piece of a call's arguments; `first` on the piece that opens the call. */
interface ToolCallPiece {
  index: number;
  name: string;
  arguments: string;
  first: boolean;
}

/**
 * The OpenAI wire shapes for one generation with one or more choices, as a chat completion or a
 * text completion. Every streamed chunk names its choice by `choice`.
 */
export interface ResponseShape {
  /** The streamed chunk that opens a choice as soon as a worker accepted the request, if the shape has one. */
  start(choice: number): object | undefined;
  /** A streamed piece of a choice's text, with its tokens' logprobs when asked for. */
  chunk(choice: number, text: string, logprobs: TokenLogprob[] | undefined): object;
  /** A streamed piece of a choice's thoughts; undefined where the shape has no place for them. */
  reasoning(choice: number, text: string): object | undefined;
  /** A streamed piece of one of a choice's function calls; undefined where the shape has no place for them. */
  toolCall(choice: number, piece: ToolCallPiece): object | undefined;
  /** The streamed chunk that carries a choice's finish reason. */
  finish(choice: number, finishReason: FinishReason): object;
  /** The trailing streamed chunk with usage (`stream_options.include_usage`). */
  usage(usage: TokenUsage): object;
  /** The whole non-streamed body. */
  body(choices: ChoiceResult[], usage: TokenUsage): object;
}

interface ShapeContext {
  id: string;
  model: string;
  created: number;
  /** With include_usage every streamed chunk carries `usage: null` except the last. */
  includeUsage: boolean;
}

interface ChatShapeContext extends ShapeContext {
  /** The request used the deprecated `functions`: a call comes back as `function_call`. */
  legacyFunctions?: boolean;
}

/** OpenAI's usage object; `cached_tokens` are prompt tokens a worker's slot already held. */
export const openAiUsage = (u: TokenUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
  prompt_tokens_details: { cached_tokens: u.cachedTokens ?? 0 },
});

// "cancelled" never reaches a client (it is gone); report it as a stop if it ever does.
function finishReasonOut(r: FinishReason, legacyFunctions = false): string {
  if (r === "tool_calls") return legacyFunctions ? "function_call" : "tool_calls";
  return r === "length" ? "length" : "stop";
}

/**
 * Call ids in the OpenAI style, one per call of a choice's reply. Made from the response's id, so
 * every gateway shaping the same response (a stream resumed elsewhere) names each call alike.
 */
function toolCallIds(responseId: string): (choice: number, index: number) => string {
  const ids = new Map<string, string>();
  return (choice, index) => {
    const key = `${choice}:${index}`;
    let id = ids.get(key);
    if (!id) ids.set(key, (id = `call_${createHash("sha256").update(`${responseId}:${key}`).digest("base64url").slice(0, 24)}`));
    return id;
  };
}

export function chatCompletionShape({ id, model, created, includeUsage, legacyFunctions = false }: ChatShapeContext): ResponseShape {
  const base = { id, object: "chat.completion.chunk", created, model, system_fingerprint: null };
  const usageNull = includeUsage ? { usage: null } : {};
  const callId = toolCallIds(id);
  const deltaChunk = (index: number, delta: object, logprobs: TokenLogprob[] | undefined = undefined) => ({
    ...base,
    choices: [{ index, delta, logprobs: logprobs ? chatLogprobs(logprobs) : null, finish_reason: null }],
    ...usageNull,
  });
  return {
    start: (choice) => deltaChunk(choice, { role: "assistant", content: "" }),
    chunk: (choice, text, logprobs) => deltaChunk(choice, { content: text }, logprobs),
    reasoning: (choice, text) => deltaChunk(choice, { reasoning_content: text }),
    toolCall: (choice, { index, name, arguments: args, first }) => {
      if (legacyFunctions) return deltaChunk(choice, { function_call: first ? { name, arguments: args } : { arguments: args } });
      const call = first
        ? { index, id: callId(choice, index), type: "function", function: { name, arguments: args } }
        : { index, function: { arguments: args } };
      return deltaChunk(choice, { tool_calls: [call] });
    },
    finish: (choice, finishReason) => ({
      ...base,
      choices: [{ index: choice, delta: {}, logprobs: null, finish_reason: finishReasonOut(finishReason, legacyFunctions) }],
      ...usageNull,
    }),
    usage: (usage) => ({ ...base, choices: [], usage: openAiUsage(usage) }),
    body: (choices, usage) => ({
      id,
      object: "chat.completion",
      created,
      model,
      system_fingerprint: null,
      choices: choices.map(({ text, reasoning, toolCalls, finishReason, logprobs }, choice) => {
        const calls = toolCalls.length > 0;
        const message = {
          role: "assistant",
          // With calls and no text before them there is no content, as OpenAI answers.
          content: calls && !text ? null : text,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(calls && legacyFunctions ? { function_call: { name: toolCalls[0]!.name, arguments: toolCalls[0]!.arguments } } : {}),
          ...(calls && !legacyFunctions
            ? { tool_calls: toolCalls.map((c) => ({ id: callId(choice, c.index), type: "function", function: { name: c.name, arguments: c.arguments } })) }
            : {}),
          refusal: null,
        };
        return {
          index: choice,
          message,
          logprobs: logprobs ? chatLogprobs(logprobs) : null,
          finish_reason: finishReasonOut(finishReason, legacyFunctions),
        };
      }),
      usage: openAiUsage(usage),
    }),
  };
}

function textCompletionShape({ id, model, created, includeUsage }: ShapeContext): ResponseShape {
  const base = { id, object: "text_completion", created, model, system_fingerprint: null };
  const usageNull = includeUsage ? { usage: null } : {};
  // Per streamed choice, how much text it has sent: the legacy logprobs give each token's offset in it.
  const streamed: number[] = [];
  return {
    start: () => undefined,
    chunk: (choice, text, logprobs) => {
      const offset = streamed[choice] ?? 0;
      streamed[choice] = offset + text.length;
      return {
        ...base,
        choices: [{ index: choice, text, logprobs: logprobs ? legacyLogprobs(logprobs, offset) : null, finish_reason: null }],
        ...usageNull,
      };
    },
    // Text completions run without a chat template, so no thoughts or calls are ever marked.
    reasoning: () => undefined,
    toolCall: () => undefined,
    finish: (choice, finishReason) => ({
      ...base,
      choices: [{ index: choice, text: "", logprobs: null, finish_reason: finishReasonOut(finishReason) }],
      ...usageNull,
    }),
    usage: (usage) => ({ ...base, choices: [], usage: openAiUsage(usage) }),
    body: (choices, usage) => ({
      ...base,
      choices: choices.map((choice, index) => ({
        index,
        text: choice.text,
        logprobs: choice.logprobs ? legacyLogprobs(choice.logprobs, 0) : null,
        finish_reason: finishReasonOut(choice.finishReason),
      })),
      usage: openAiUsage(usage),
    }),
  };
}

/** The shape a resumable stream's record describes, the same for the gateway that resumes it. */
export function streamShape(spec: StreamShape): ResponseShape {
  const { id, model, created, includeUsage, legacyFunctions } = spec;
  return spec.kind === "chat" ? chatCompletionShape({ id, model, created, includeUsage, legacyFunctions }) : textCompletionShape({ id, model, created, includeUsage });
}
