import { describe, expect, it } from "vitest";
import { chatCompletionShape } from "./response-shapes.js";

const context = (id: string) => ({ id, model: "m", created: 1_700_000_000, includeUsage: false });
const call = { index: 0, name: "get_weather", arguments: "{", first: true };
const firstCallId = (id: string) => (chatCompletionShape(context(id)).toolCall(0, call) as { choices: Array<{ delta: { tool_calls: Array<{ id: string }> } }> }).choices[0]!.delta.tool_calls[0]!.id;

describe("tool call ids", () => {
  it("names a call alike wherever the same response is shaped (a stream resumed at another gateway)", () => {
    const id = firstCallId("chatcmpl-req_a");
    expect(id).toMatch(/^call_[A-Za-z0-9_-]{24}$/);
    expect(firstCallId("chatcmpl-req_a")).toBe(id);
    expect(firstCallId("chatcmpl-req_b")).not.toBe(id);
  });

  it("gives each call of a reply its own id, the same in the stream and the body", () => {
    const shape = chatCompletionShape(context("chatcmpl-req_c"));
    const streamed = [0, 1].map((index) => (shape.toolCall(0, { ...call, index }) as any).choices[0].delta.tool_calls[0].id);
    expect(new Set(streamed).size).toBe(2);
    const body = shape.body(
      [{ text: "", reasoning: "", finishReason: "tool_calls", logprobs: undefined, toolCalls: [0, 1].map((index) => ({ index, name: "f", arguments: "{}" })) }] as any,
      { promptTokens: 1, completionTokens: 1 },
    ) as any;
    expect(body.choices[0].message.tool_calls.map((c: { id: string }) => c.id)).toEqual(streamed);
  });
});
