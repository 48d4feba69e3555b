import { describe, expect, it } from "vitest";
import type { TokenLogprob } from "@lantern/shared/contracts";
import { LogprobAligner } from "./logprob-aligner.js";
import { StopSequenceMatcher } from "./stop-sequences.js";

const entry = (token: string): TokenLogprob => ({ token, logprob: -1, top: [] });

/** Feeds token texts through a stop matcher and the aligner, as the plain loop does. */
function run(tokens: string[], stops: string[]) {
  const matcher = new StopSequenceMatcher(stops);
  const aligner = new LogprobAligner();
  const pieces: Array<{ text: string; tokens: string[] }> = [];
  const keep = (a: { text: string; logprobs: TokenLogprob[] }) => {
    if (a.logprobs.length > 0) pieces.push({ text: a.text, tokens: a.logprobs.map((e) => e.token) });
  };
  for (const token of tokens) {
    aligner.add([entry(token)]);
    keep(aligner.take(matcher.push(token)));
    if (matcher.stopped) break;
  }
  keep(aligner.take(matcher.flush()));
  keep(aligner.finish());
  return pieces;
}

describe("logprobs aligned with the visible text", () => {
  it("passes every token with its text when nothing is held back", () => {
    expect(run([" Once", " upon", " a"], [])).toEqual([
      { text: " Once", tokens: [" Once"] },
      { text: " upon", tokens: [" upon"] },
      { text: " a", tokens: [" a"] },
    ]);
  });

  it("releases a token held back by a possible stop only once its text is decided", () => {
    const pieces = run([" big", "\n", " dog"], ["\n\n"]);
    expect(pieces.map((p) => p.text).join("")).toBe(" big\n dog");
    for (const piece of pieces) expect(piece.tokens.join("")).toBe(piece.text);
    expect(pieces.flatMap((p) => p.tokens)).toEqual([" big", "\n", " dog"]);
  });

  it("drops the tokens of a stop text and cuts the token it starts in", () => {
    const pieces = run([" the", " dog.", "The", " end"], [".The"]);
    expect(pieces.map((p) => p.text).join("")).toBe(" the dog");
    expect(pieces.flatMap((p) => p.tokens)).toEqual([" the", " dog"]);
  });

  it("keeps the empty entries of a split character with the token that completes it", () => {
    const aligner = new LogprobAligner();
    aligner.add([entry(" a"), entry(""), entry("é")]);
    expect(aligner.take(" a").logprobs.map((e) => e.token)).toEqual([" a"]);
    expect(aligner.take("é").logprobs.map((e) => e.token)).toEqual(["", "é"]);
  });
});
