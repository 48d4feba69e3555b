import { describe, expect, it } from "vitest";
import type { TokenLogprob } from "../contracts/index.js";
import { freshOutput } from "./fresh-output.js";

const entry = (token: string, logprob = -1): TokenLogprob => ({ token, logprob, top: [] });

describe("the fresh part of a redelivered chunk", () => {
  const chunk = { offset: 0, text: " Once upon a", logprobs: [entry(" Once", -0.5), entry(" upon", -0.25), entry(" a", -0.125)] };

  it("is the whole chunk when nothing of it was delivered", () => {
    expect(freshOutput({ ...chunk, offset: 5 }, 5)).toEqual({ text: chunk.text, logprobs: chunk.logprobs });
  });

  it("skips the text and the tokens already delivered", () => {
    const fresh = freshOutput(chunk, " Once upon".length);
    expect(fresh.text).toBe(" a");
    expect(fresh.logprobs).toEqual([entry(" a", -0.125)]);
  });

  it("is empty when all of it was delivered", () => {
    expect(freshOutput(chunk, 100)).toEqual({ text: "", logprobs: [] });
  });

  it("keeps the leading empty entries of a split character that was not delivered", () => {
    const split = { offset: 0, text: " aé", logprobs: [entry(" a"), entry(""), entry("é")] };
    expect(freshOutput(split, 2).logprobs).toEqual([entry(""), entry("é")]);
  });

  it("cuts a token that straddles what was delivered", () => {
    const fresh = freshOutput(chunk, 3);
    expect(fresh.text).toBe("ce upon a");
    expect(fresh.logprobs!.map((e) => e.token).join("")).toBe(fresh.text);
  });

  it("passes text without logprobs through", () => {
    expect(freshOutput({ offset: 2, text: "abcd" }, 4)).toEqual({ text: "cd", logprobs: undefined });
  });
});
