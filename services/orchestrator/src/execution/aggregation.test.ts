import { describe, expect, it } from "vitest";
import type { StageAnswer } from "@lantern/shared/contracts";
import { choiceOf, combine, countVotes } from "./aggregation.js";

const answer = (model: string, text: string, choice?: string | null): StageAnswer => ({
  model,
  role: "candidate",
  text,
  ...(choice !== undefined ? { choice } : {}),
  promptTokens: 1,
  completionTokens: 1,
  ms: 1,
  workerId: "w",
  finishReason: "stop",
});

describe("vote", () => {
  it("reads a constrained answer as exactly one choice", () => {
    expect(choiceOf('"sad"', ["happy", "sad"])).toBe("sad");
    expect(choiceOf(' "happy"\n', ["happy", "sad"])).toBe("happy");
    expect(choiceOf('"hap', ["happy", "sad"])).toBeNull();
    expect(choiceOf('"angry"', ["happy", "sad"])).toBeNull();
  });

  it("picks the choice with most votes", () => {
    const result = countVotes([answer("a", "", "sad"), answer("b", "", "happy"), answer("c", "", "happy")], ["happy", "sad"]);
    expect(result).toEqual({ winner: "happy", votes: { happy: 2, sad: 1 } });
  });

  it("breaks a tie for the choice of the model listed first", () => {
    const votes = [answer("a", "", "sad"), answer("b", "", "happy"), answer("c", "", null), answer("d", "", "meh"), answer("e", "", "happy"), answer("f", "", "sad")];
    expect(countVotes(votes, ["happy", "sad", "meh"])!.winner).toBe("sad");
    expect(countVotes(votes.slice(1), ["happy", "sad", "meh"])!.winner).toBe("happy");
  });

  it("has no winner when no answer named a choice", () => {
    expect(countVotes([answer("a", "", null)], ["happy", "sad"])).toBeNull();
  });
});

describe("concat and template", () => {
  const answers = [answer("a", " first "), answer("b", "second")];
  it("joins answers in model order", () => {
    expect(combine({ method: "concat", separator: " | " }, "in", answers)).toBe("first | second");
  });
  it("fills a template by model name, position, input and the numbered candidates", () => {
    expect(combine({ method: "template", template: "{input}: {answers.b} then {answers.1}\n{candidates}" }, "Q", answers)).toBe(
      "Q: second then first\n1. (a) first\n2. (b) second",
    );
  });
});
