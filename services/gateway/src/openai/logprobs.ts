import type { ChatCompletionRequest, CompletionRequest, LogprobsRequest, TokenLogprob } from "@lantern/shared/contracts";
import { invalidRequest } from "../errors/api-error.js";

/** OpenAI's bounds: chat may ask for 20 alternatives per token, the legacy completions API for 5. */
const MAX_CHAT_TOP_LOGPROBS = 20;
const MAX_COMPLETION_LOGPROBS = 5;

/**
 * Chat: `logprobs: true`, with `top_logprobs` alternatives per token (0 to 20). Not with function
 * calling: calls are generated on node-llama-cpp's LlamaChat, which reports no probabilities.
 */
export function chatLogprobsRequest(req: ChatCompletionRequest, { functionCalling }: { functionCalling: boolean }): LogprobsRequest | undefined {
  if (req.logprobs != null && typeof req.logprobs !== "boolean") {
    throw invalidRequest("'logprobs' must be a boolean on chat completions; 'top_logprobs' sets how many alternatives.", "logprobs", "invalid_type");
  }
  const top = req.top_logprobs;
  if (top != null) {
    if (!req.logprobs) throw invalidRequest("'top_logprobs' needs 'logprobs' set to true.", "top_logprobs", "invalid_value");
    if (top < 0 || top > MAX_CHAT_TOP_LOGPROBS) {
      throw invalidRequest(`'top_logprobs' must be from 0 to ${MAX_CHAT_TOP_LOGPROBS}, got ${top}.`, "top_logprobs", "invalid_value");
    }
  }
  if (req.logprobs && functionCalling) {
    throw invalidRequest("'logprobs' cannot be combined with function calling; set 'tool_choice' to 'none' or drop one of them.", "logprobs", "invalid_value");
  }
  return req.logprobs ? { top: top ?? 0 } : undefined;
}

/** Completions (legacy): `logprobs` is the number of alternatives per token (0 to 5). */
export function completionLogprobsRequest(req: CompletionRequest): LogprobsRequest | undefined {
  const asked = req.logprobs;
  if (asked == null) return undefined;
  if (typeof asked !== "number" || asked < 0 || asked > MAX_COMPLETION_LOGPROBS) {
    throw invalidRequest(`'logprobs' must be an integer from 0 to ${MAX_COMPLETION_LOGPROBS} on completions.`, "logprobs", "invalid_value");
  }
  return { top: asked };
}

const utf8 = (text: string) => [...Buffer.from(text, "utf8")];

/** `choices[i].logprobs` of a chat completion (or of one streamed delta). */
export function chatLogprobs(entries: readonly TokenLogprob[]) {
  return {
    content: entries.map((e) => ({
      token: e.token,
      logprob: e.logprob,
      bytes: utf8(e.token),
      top_logprobs: e.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: utf8(t.token) })),
    })),
    refusal: null,
  };
}

/**
 * `choices[i].logprobs` of a text completion, in the legacy shape. `textOffset` is where the first
 * token starts in the choice's text (non-zero for later streamed chunks). As OpenAI documents,
 * each `top_logprobs` map also holds the sampled token, so it has up to `logprobs` + 1 entries.
 */
export function legacyLogprobs(entries: readonly TokenLogprob[], textOffset: number) {
  const textOffsets: number[] = [];
  let offset = textOffset;
  for (const e of entries) {
    textOffsets.push(offset);
    offset += e.token.length;
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => {
      // Different tokens can share a text; the map keeps the likelier one.
      const seen = new Set<string>();
      const pairs: Array<[string, number]> = [];
      for (const { token, logprob } of [...e.top, e]) {
        if (seen.has(token)) continue;
        seen.add(token);
        pairs.push([token, logprob]);
      }
      return Object.fromEntries(pairs);
    }),
    text_offset: textOffsets,
  };
}
