import type { LlamaModel, Token } from "node-llama-cpp";
import type { TokenLogprob } from "@lantern/shared/contracts";

// JSON has no -Infinity; like OpenAI, a token too unlikely to express is reported as -9999.
const LOGPROB_FLOOR = -9999;

const toLogprob = (probability: number) => Math.max(Math.log(probability), LOGPROB_FLOOR);

/** What node-llama-cpp's `evaluateWithMetadata` tells about one sampled token. */
export interface SampledTokenMetadata {
  confidence?: number;
  /** Every candidate's probability, most likely first. */
  probabilities?: Map<Token, number>;
}

/**
 * A sampled token's log probability and its `top` likeliest alternatives, without its text (known
 * only once the character it belongs to is complete). The probabilities are those of the
 * distribution the token was drawn from: after logit_bias, penalties, top_p and temperature
 * (at temperature 0, greedy picks from the unscaled one).
 */
export function tokenLogprob(
  model: LlamaModel,
  sampled: SampledTokenMetadata,
  top: number,
  before: readonly Token[],
): Omit<TokenLogprob, "token"> {
  const alternatives: TokenLogprob["top"] = [];
  if (top > 0 && sampled.probabilities) {
    for (const [token, probability] of sampled.probabilities) {
      // Tokens that top_p cut or a grammar forbade were never candidates.
      if (alternatives.length >= top || probability <= 0) break;
      const text = model.isSpecialToken(token) ? model.detokenize([token], true) : model.detokenize([token], false, before);
      alternatives.push({ token: text, logprob: toLogprob(probability) });
    }
  }
  return { logprob: toLogprob(sampled.confidence ?? 0), top: alternatives };
}
