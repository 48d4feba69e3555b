import { describe, expect, it } from "vitest";
import type { ChatTurn } from "@lantern/shared/contracts";
import { toChatHistory } from "./chat-history.js";

const call = { name: "get_weather", arguments: '{"city":"Paris"}', result: '{"temp":21}' };

describe("toChatHistory", () => {
  it("ends with a new model turn after a user message", () => {
    expect(toChatHistory([{ role: "user", content: "hi" }], false)).toEqual([
      { type: "user", text: "hi" },
      { type: "model", response: [] },
    ]);
  });

  it("goes on with the model's own response after the results of its calls", () => {
    const turns: ChatTurn[] = [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "", toolCalls: [call] },
    ];
    expect(toChatHistory(turns, false)).toEqual([
      { type: "user", text: "Weather?" },
      { type: "model", response: [{ type: "functionCall", name: "get_weather", params: { city: "Paris" }, result: { temp: 21 }, startsNewChunk: true }] },
    ]);
  });

  it("joins the text after results to the same model response, then starts a new turn", () => {
    const turns: ChatTurn[] = [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "Let me look.", toolCalls: [call, { ...call, result: "sunny" }] },
      { role: "assistant", content: "It is 21 degrees." },
      { role: "user", content: "Thanks" },
    ];
    const history = toChatHistory(turns, false);
    expect(history).toHaveLength(4);
    expect(history[1]).toEqual({
      type: "model",
      response: [
        "Let me look.",
        { type: "functionCall", name: "get_weather", params: { city: "Paris" }, result: { temp: 21 }, startsNewChunk: true },
        // A result that is not JSON stays text.
        { type: "functionCall", name: "get_weather", params: { city: "Paris" }, result: "sunny", startsNewChunk: false },
        "It is 21 degrees.",
      ],
    });
    expect(history[3]).toEqual({ type: "model", response: [] });
  });

  it("keeps earlier thoughts only for templates with thought segments", () => {
    const turns: ChatTurn[] = [
      { role: "user", content: "a" },
      { role: "assistant", content: "b", reasoning: "hmm" },
      { role: "user", content: "c" },
    ];
    expect(toChatHistory(turns, true)[1]).toEqual({
      type: "model",
      response: [{ type: "segment", segmentType: "thought", text: "hmm", ended: true }, "b"],
    });
    expect(toChatHistory(turns, false)[1]).toEqual({ type: "model", response: ["b"] });
  });
});
