import { TokenBias, type LlamaModel, type Token } from "node-llama-cpp";
import { InvalidParameterError } from "../invalid-parameter-error.js";
import { vocabularySize as vocabularySizeOf } from "../models/vocabulary.js";

// OpenAI's scale: -100 effectively bans a token; node-llama-cpp has an explicit ban for that.
const BAN = -100;

/**
 * OpenAI `logit_bias` as node-llama-cpp's TokenBias: each bias is added to its token's logit.
 * Token ids outside this model's vocabulary are refused (they would index past the logits).
 */
export function tokenBiasFor(model: LlamaModel, logitBias: Record<string, number> | undefined): TokenBias | undefined {
  if (!logitBias) return undefined;
  const entries = Object.entries(logitBias);
  if (entries.length === 0) return undefined;
  const vocabularySize = vocabularySizeOf(model);
  if (!vocabularySize) throw new InvalidParameterError("logit_bias", "This model does not say how large its vocabulary is, so logit_bias cannot be checked.");
  const bias = new TokenBias(model.tokenizer);
  for (const [key, value] of entries) {
    const token = Number(key);
    if (!Number.isInteger(token) || token < 0 || token >= vocabularySize) {
      throw new InvalidParameterError(`logit_bias.${key}`, `Token id ${key} is not in this model's vocabulary (ids 0 to ${vocabularySize - 1}).`);
    }
    bias.set(token as Token, value <= BAN ? "never" : { logit: value });
  }
  return bias;
}
