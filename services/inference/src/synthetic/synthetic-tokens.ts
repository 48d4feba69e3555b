import { InvalidParameterError } from "../invalid-parameter-error.js";
import type { TokenOps } from "../tokens/token-service.js";
import { promptWords } from "./synthetic-generation.js";

const MAX_CODE_POINT = 0x10ffff;

function text(tokens: readonly number[]): string {
  const bad = tokens.findIndex((t) => t > MAX_CODE_POINT);
  if (bad >= 0) throw new InvalidParameterError(`tokens[${bad}]`, `Token id ${tokens[bad]} is not a Unicode code point (ids 0 to ${MAX_CODE_POINT}).`);
  return tokens.map((t) => String.fromCodePoint(t)).join("");
}

/**
 * The synthetic engine's tokenizer: one token per character, its code point as the id, so
 * tokenize and detokenize round-trip. A count answers what its replies report as prompt tokens
 * (one per word), so a count and a reply's usage agree, as on a real model.
 */
export const syntheticTokenOps: TokenOps = {
  tokenize: (content) => Array.from(content, (char) => char.codePointAt(0)!),
  pieces: (tokens) => tokens.map((t) => text([t])),
  detokenize: text,
  count: (input) => promptWords(input),
};
