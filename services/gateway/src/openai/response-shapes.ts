import type { FinishReason, TokenUsage } from "@lantern/shared/contracts";

/** The OpenAI wire shapes for one generation, as a chat completion or a text completion. */
export interface ResponseShape {
  /** The streamed chunk sent as soon as a worker accepted the job, if the shape has one. */
  start(): object | undefined;
  /** A streamed piece of text. */
  chunk(text: string): object;
  /** The streamed chunk that carries the finish reason. */
  finish(finishReason: FinishReason): object;
  /** The trailing streamed chunk with usage (`stream_options.include_usage`). */
  usage(usage: TokenUsage): object;
  /** The whole non-streamed body. */
  body(text: string, finishReason: FinishReason, usage: TokenUsage): object;
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
    start: () => ({
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
      ...usageNull,
    }),
    chunk: (text) => ({
      ...base,
      choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }],
      ...usageNull,
    }),
    finish: (finishReason) => ({
      ...base,
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReasonOut(finishReason) }],
      ...usageNull,
    }),
    usage: (usage) => ({ ...base, choices: [], usage: openAiUsage(usage) }),
    body: (text, finishReason, usage) => ({
      id,
      object: "chat.completion",
      created,
      model,
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text, refusal: null },
          logprobs: null,
          finish_reason: finishReasonOut(finishReason),
        },
      ],
      usage: openAiUsage(usage),
    }),
  };
}

export function textCompletionShape({ id, model, created, includeUsage }: ShapeContext): ResponseShape {
  const base = { id, object: "text_completion", created, model, system_fingerprint: null };
  const usageNull = includeUsage ? { usage: null } : {};
  return {
    start: () => undefined,
    chunk: (text) => ({ ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: null }], ...usageNull }),
    finish: (finishReason) => ({
      ...base,
      choices: [{ index: 0, text: "", logprobs: null, finish_reason: finishReasonOut(finishReason) }],
      ...usageNull,
    }),
    usage: (usage) => ({ ...base, choices: [], usage: openAiUsage(usage) }),
    body: (text, finishReason, usage) => ({
      ...base,
      choices: [{ index: 0, text, logprobs: null, finish_reason: finishReasonOut(finishReason) }],
      usage: openAiUsage(usage),
    }),
  };
}
