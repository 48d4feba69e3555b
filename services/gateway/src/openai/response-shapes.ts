import type { FinishReason, TokenLogprob, TokenUsage } from "@lantern/shared/contracts";
import { chatLogprobs, legacyLogprobs } from "./logprobs.js";

/** One finished choice of a non-streamed answer. */
export interface ChoiceResult {
  text: string;
  finishReason: FinishReason;
  /** Set when the request asked for logprobs. */
  logprobs: TokenLogprob[] | undefined;
}

/** The OpenAI wire shapes for one generation with one or more choices, as a chat completion or a text completion. */
export interface ResponseShape {
  /** The streamed chunk that opens a choice as soon as a worker accepted the request, if the shape has one. */
  start(index: number): object | undefined;
  /** A streamed piece of a choice's text, with its tokens' logprobs when asked for. */
  chunk(index: number, text: string, logprobs: TokenLogprob[] | undefined): object;
  /** The streamed chunk that carries a choice's finish reason. */
  finish(index: number, finishReason: FinishReason): object;
  /** The trailing streamed chunk with usage (`stream_options.include_usage`). */
  usage(usage: TokenUsage): object;
  /** The whole non-streamed body. */
  body(choices: ChoiceResult[], usage: TokenUsage): object;
}

export interface ShapeContext {
  id: string;
  model: string;
  created: number;
  /** With include_usage every streamed chunk carries `usage: null` except the last. */
  includeUsage: boolean;
}

const openAiUsage = (u: TokenUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

// "cancelled" never reaches a client (it is gone); report it as a stop if it ever does.
const finishReasonOut = (r: FinishReason) => (r === "length" ? "length" : "stop");

export function chatCompletionShape({ id, model, created, includeUsage }: ShapeContext): ResponseShape {
  const base = { id, object: "chat.completion.chunk", created, model, system_fingerprint: null };
  const usageNull = includeUsage ? { usage: null } : {};
  return {
    start: (index) => ({
      ...base,
      choices: [{ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
      ...usageNull,
    }),
    chunk: (index, text, logprobs) => ({
      ...base,
      choices: [{ index, delta: { content: text }, logprobs: logprobs ? chatLogprobs(logprobs) : null, finish_reason: null }],
      ...usageNull,
    }),
    finish: (index, finishReason) => ({
      ...base,
      choices: [{ index, delta: {}, logprobs: null, finish_reason: finishReasonOut(finishReason) }],
      ...usageNull,
    }),
    usage: (usage) => ({ ...base, choices: [], usage: openAiUsage(usage) }),
    body: (choices, usage) => ({
      id,
      object: "chat.completion",
      created,
      model,
      system_fingerprint: null,
      choices: choices.map((choice, index) => ({
        index,
        message: { role: "assistant", content: choice.text, refusal: null },
        logprobs: choice.logprobs ? chatLogprobs(choice.logprobs) : null,
        finish_reason: finishReasonOut(choice.finishReason),
      })),
      usage: openAiUsage(usage),
    }),
  };
}

export function textCompletionShape({ id, model, created, includeUsage }: ShapeContext): ResponseShape {
  const base = { id, object: "text_completion", created, model, system_fingerprint: null };
  const usageNull = includeUsage ? { usage: null } : {};
  // Per streamed choice, how much text it has sent: the legacy logprobs give each token's offset in it.
  const streamed: number[] = [];
  return {
    start: () => undefined,
    chunk: (index, text, logprobs) => {
      const offset = streamed[index] ?? 0;
      streamed[index] = offset + text.length;
      return {
        ...base,
        choices: [{ index, text, logprobs: logprobs ? legacyLogprobs(logprobs, offset) : null, finish_reason: null }],
        ...usageNull,
      };
    },
    finish: (index, finishReason) => ({
      ...base,
      choices: [{ index, text: "", logprobs: null, finish_reason: finishReasonOut(finishReason) }],
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
