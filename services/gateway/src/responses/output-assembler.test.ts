import { describe, expect, it } from "vitest";
import { ChatChunkReader, readChatBody } from "./chat-answer.js";
import { OutputAssembler, type ResponsesEvent } from "./output-assembler.js";

const assembled = () => {
  const events: ResponsesEvent[] = [];
  return { events, out: new OutputAssembler("resp_1", (event) => events.push(event)) };
};

describe("OutputAssembler", () => {
  it("tells thoughts, text and a call as OpenAI's item events, each item closed before the next opens", () => {
    const { events, out } = assembled();
    out.reasoningDelta("Hm.");
    out.textDelta("Let me ");
    out.textDelta("look.");
    out.callPiece({ index: 0, name: "get_weather", arguments: '{"city":', first: true });
    out.callPiece({ index: 0, name: "get_weather", arguments: '"Paris"}', first: false });
    out.finish("tool_calls");
    expect(events.map((e) => e.type)).toEqual([
      "response.output_item.added",
      "response.content_part.added",
      "response.reasoning_text.delta",
      "response.reasoning_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
    ]);
    expect(out.output).toMatchObject([
      { type: "reasoning", status: "completed", content: [{ type: "reasoning_text", text: "Hm." }] },
      { type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Let me look.", annotations: [] }] },
      { type: "function_call", status: "completed", name: "get_weather", arguments: '{"city":"Paris"}', call_id: expect.stringMatching(/^call_/) },
    ]);
    expect(events.at(-2)).toMatchObject({ output_index: 2, name: "get_weather", arguments: '{"city":"Paris"}' });
    // An item's added event shows it as it was then, not as it grew.
    expect(events[6]).toMatchObject({ item: { type: "message", status: "in_progress", content: [] } });
  });

  it("leaves a reply cut at its token limit incomplete", () => {
    const { out } = assembled();
    out.textDelta("Once");
    out.finish("length");
    expect(out.output[0]).toMatchObject({ status: "incomplete" });
    expect(out.text).toBe("Once");
  });
});

describe("chat answers as output", () => {
  it("reads a whole chat body, keeping the upstream's call ids and cached tokens", () => {
    const { out } = assembled();
    const end = readChatBody(
      {
        choices: [{ message: { content: null, tool_calls: [{ id: "call_up", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls" }],
        usage: { prompt_tokens: 9, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 } },
      },
      out,
    );
    expect(end).toEqual({ finishReason: "tool_calls", usage: { promptTokens: 9, completionTokens: 3, cachedTokens: 4 } });
    expect(out.output).toMatchObject([{ type: "function_call", call_id: "call_up", name: "f", arguments: "{}" }]);
  });

  it("reads streamed chat chunks, the call's name from its first piece", () => {
    const { out } = assembled();
    const reader = new ChatChunkReader(out);
    reader.push({ choices: [{ delta: { role: "assistant", content: "" } }] });
    reader.push({ choices: [{ delta: { content: "Hi" } }] });
    reader.push({ choices: [{ delta: { tool_calls: [{ index: 0, id: "call_a", function: { name: "f", arguments: '{"a"' } }] } }] });
    reader.push({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }, finish_reason: "tool_calls" }] });
    reader.push({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 6 } });
    expect(reader.end()).toEqual({ finishReason: "tool_calls", usage: { promptTokens: 5, completionTokens: 6 } });
    expect(out.output).toMatchObject([
      { type: "message", content: [{ text: "Hi" }] },
      { type: "function_call", call_id: "call_a", name: "f", arguments: '{"a":1}' },
    ]);
  });
});
