import type { InferChunk, TokenLogprob } from "../contracts/index.js";

export interface FreshOutput {
  text: string;
  logprobs: TokenLogprob[] | undefined;
}

/** A piece of one reply channel at `offset`; only content chunks carry logprobs. */
export type OutputPiece = Pick<InferChunk, "offset" | "text" | "logprobs">;

/**
 * The part of a chunk the client does not have yet, given how much text (UTF-16 units) it was
 * already sent. After a redelivery the new attempt starts again at offset 0 with the same seed,
 * so its chunks repeat text, and tokens, that were delivered before.
 */
export function freshOutput(chunk: OutputPiece, delivered: number): FreshOutput {
  let skip = Math.max(0, delivered - chunk.offset);
  const text = chunk.text.slice(skip);
  if (!chunk.logprobs) return { text, logprobs: undefined };
  // A chunk's entries join to its text, so whole entries cover the text already delivered.
  let first = 0;
  while (first < chunk.logprobs.length && skip > 0) {
    const entry = chunk.logprobs[first]!;
    if (entry.token.length > skip) {
      // Only if the attempts split the text differently: keep the undelivered end of that token.
      const rest = { ...entry, token: entry.token.slice(skip) };
      return { text, logprobs: [rest, ...chunk.logprobs.slice(first + 1)] };
    }
    skip -= entry.token.length;
    first++;
  }
  return { text, logprobs: chunk.logprobs.slice(first) };
}
