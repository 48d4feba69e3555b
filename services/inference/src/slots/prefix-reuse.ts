import type { LlamaContextSequence, Token } from "node-llama-cpp";

/** How many leading tokens of `tokens` the sequence already holds in its KV cache. */
export function sharedPrefixLength(cached: readonly Token[], tokens: readonly Token[]): number {
  const end = Math.min(cached.length, tokens.length);
  let i = 0;
  while (i < end && cached[i] === tokens[i]) i++;
  return i;
}

/**
 * Prompt tokens that can come from the cache: the shared prefix, but never the whole prompt,
 * because sampling needs the logits of the prompt's last token, which only an evaluation gives.
 */
function reusableLength(cached: readonly Token[], tokens: readonly Token[]): number {
  return Math.min(sharedPrefixLength(cached, tokens), Math.max(0, tokens.length - 1));
}

/**
 * Makes the sequence hold exactly the reusable prefix of `tokens`: what it evaluated after the
 * point where the prompts diverge is erased. Returns how many tokens were kept; the caller
 * evaluates `tokens.slice(kept)`. Only whole positions are kept, never shifted, so the cached
 * cells are the ones a fresh evaluation of the same prefix would have made.
 */
export async function keepReusablePrefix(sequence: LlamaContextSequence, tokens: readonly Token[]): Promise<number> {
  const kept = reusableLength(sequence.contextTokens, tokens);
  if (kept < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: kept, end: sequence.nextTokenIndex }]);
  if (sequence.nextTokenIndex === kept) return kept;
  // The engine could not cut the cache there (a model whose cache cannot drop a tail): start clean.
  await sequence.clearHistory();
  return 0;
}
