import type { Token } from "node-llama-cpp";
import { renderPrompt } from "../generation/prompt-tokens.js";
import { InvalidParameterError } from "../invalid-parameter-error.js";
import type { ServedModel } from "../models/served-model.js";
import { vocabularySize } from "../models/vocabulary.js";
import type { TokenOps } from "./token-service.js";
import { tokenPieces } from "./token-pieces.js";

/** Token ids outside the vocabulary would crash the native detokenizer: each is refused by position. */
function checkIds(tokens: readonly number[], size: number): Token[] {
  const bad = tokens.findIndex((t) => t >= size);
  if (bad >= 0) {
    throw new InvalidParameterError(`tokens[${bad}]`, `Token id ${tokens[bad]} is outside this model's vocabulary (ids 0 to ${size - 1}).`);
  }
  return tokens as Token[];
}

/** The tokenizer of a model loaded with node-llama-cpp, and the prompt rendering generation uses. */
export function llamaTokenOps(served: ServedModel): TokenOps {
  const { model } = served;
  const size = vocabularySize(model) ?? 0;
  return {
    tokenize(content, { addSpecial, parseSpecial }) {
      const tokens: number[] = model.tokenize(content, parseSpecial);
      if (!addSpecial) return tokens;
      const { bos, eos, shouldPrependBosToken, shouldAppendEosToken } = model.tokens;
      return [...(shouldPrependBosToken && bos != null ? [bos] : []), ...tokens, ...(shouldAppendEosToken && eos != null ? [eos] : [])];
    },
    pieces: (tokens) => tokenPieces(model, checkIds(tokens, size)),
    detokenize: (tokens) => model.detokenize(checkIds(tokens, size), true),
    count(input, tools) {
      try {
        return renderPrompt(served, input, tools).tokens.length;
      } catch (err) {
        // The one input the template cannot render: a tool call whose arguments are not JSON.
        if (err instanceof SyntaxError) throw new InvalidParameterError("input", `A tool call's arguments are not valid JSON: ${err.message}`);
        throw err;
      }
    },
  };
}
