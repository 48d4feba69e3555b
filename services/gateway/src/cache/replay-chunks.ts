import type { CachedAnswer } from "@lantern/shared/contracts";
import { openAiUsage } from "../openai/response-shapes.js";

type Json = Record<string, unknown>;

interface ChatMessageOut {
  content?: string | null;
  reasoning_content?: string;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  function_call?: { name: string; arguments: string };
}

function chatChoiceChunks(choice: Json, chunk: (choice: Json) => Json): Json[] {
  const index = choice.index;
  const message = (choice.message ?? {}) as ChatMessageOut;
  const chunks = [chunk({ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null })];
  if (message.reasoning_content) chunks.push(chunk({ index, delta: { reasoning_content: message.reasoning_content }, logprobs: null, finish_reason: null }));
  if (message.content) chunks.push(chunk({ index, delta: { content: message.content }, logprobs: choice.logprobs ?? null, finish_reason: null }));
  if (message.tool_calls?.length) {
    const calls = message.tool_calls.map((call, callIndex) => ({ index: callIndex, ...call }));
    chunks.push(chunk({ index, delta: { tool_calls: calls }, logprobs: null, finish_reason: null }));
  }
  if (message.function_call) chunks.push(chunk({ index, delta: { function_call: message.function_call }, logprobs: null, finish_reason: null }));
  chunks.push(chunk({ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? "stop" }));
  return chunks;
}

function textChoiceChunks(choice: Json, chunk: (choice: Json) => Json): Json[] {
  const { index } = choice;
  return [
    chunk({ index, text: choice.text ?? "", logprobs: choice.logprobs ?? null, finish_reason: null }),
    chunk({ index, text: "", logprobs: null, finish_reason: choice.finish_reason ?? "stop" }),
  ];
}

/**
 * A stored answer as the stream that would have produced it: per choice the opening chunk, its
 * thoughts, text and calls, its finish; then usage when asked for. One chunk per part is enough:
 * the client sees the same text, arriving at once.
 */
export function replayChunks(answer: CachedAnswer, includeUsage: boolean): Json[] {
  const body = JSON.parse(answer.body) as { choices: Json[]; [field: string]: unknown };
  const chat = answer.object === "chat.completion";
  const base = {
    id: body.id,
    object: chat ? "chat.completion.chunk" : "text_completion",
    created: body.created,
    model: body.model,
    system_fingerprint: body.system_fingerprint ?? null,
  };
  const usageNull = includeUsage ? { usage: null } : {};
  const chunk = (choice: Json): Json => ({ ...base, choices: [choice], ...usageNull });
  const chunks = body.choices.flatMap((choice) => (chat ? chatChoiceChunks(choice, chunk) : textChoiceChunks(choice, chunk)));
  if (includeUsage) {
    const usage = body.usage ?? openAiUsage(answer.usage);
    chunks.push({ ...base, choices: [], usage });
  }
  return chunks;
}
