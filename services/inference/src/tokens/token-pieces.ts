import type { LlamaModel, Token } from "node-llama-cpp";
import type { TokenPiece } from "@lantern/shared/contracts";

const REPLACEMENT_CHAR = "\uFFFD";
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * GPT-2's byte-level BPE spells each byte as a printable character; this maps those characters
 * back to their bytes (the inverse of its `bytes_to_unicode`).
 */
const BYTE_OF_CHAR: ReadonlyMap<number, number> = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<number, number>();
  let shifted = 0;
  for (let b = 0; b < 256; b++) map.set(printable(b) ? b : 256 + shifted++, b);
  return map;
})();

/** The bytes a token stands for, from its spelling in the vocabulary; undefined when the spelling says nothing of bytes. */
function bytesFromVocabulary(model: LlamaModel, token: Token): number[] | undefined {
  const spelling = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.[token];
  if (typeof spelling !== "string") return undefined;
  const byte = BYTE_TOKEN.exec(spelling);
  if (byte) return [parseInt(byte[1]!, 16)];
  if (model.vocabularyType !== "bpe") return undefined;
  const bytes: number[] = [];
  for (const char of spelling) {
    const b = BYTE_OF_CHAR.get(char.codePointAt(0)!);
    if (b === undefined) return undefined;
    bytes.push(b);
  }
  return bytes;
}

/**
 * Each token's piece as llama.cpp's server gives it: its text, with the leading space a
 * SentencePiece word token carries, special tokens as their text; the raw bytes for a token
 * that is only part of a character (a byte-fallback token, a split multi-byte character).
 */
export function tokenPieces(model: LlamaModel, tokens: readonly Token[]): TokenPiece[] {
  // Detokenized after a plain token, so the leading space a first token loses is kept.
  const anchor = model.tokenize("a").at(-1);
  return tokens.map((token) => {
    const text = model.detokenize([token], true, anchor !== undefined ? [anchor] : undefined);
    if (!text.includes(REPLACEMENT_CHAR)) return text;
    return bytesFromVocabulary(model, token) ?? [...new TextEncoder().encode(text)];
  });
}
