import { describe, expect, it } from "vitest";
import type { AnthropicStreamEvent } from "@lantern/shared/contracts";
import { MessageAssembly } from "./message-assembly.js";
import { assembleChatBody, chatBodyOf, ChatChunkReader } from "./openai-answer.js";

const head = { id: "msg_1", model: "m" };
const usage = { promptTokens: 12, completionTokens: 7, cachedTokens: 4 };

function recorded(): { assembly: MessageAssembly; events: AnthropicStreamEvent[] } {
  const events: AnthropicStreamEvent[] = [];
  return { assembly: new MessageAssembly(head, (event) => events.push(structuredClone(event))), events };
}

describe("MessageAssembly", () => {
  it("streams thoughts, text and a call as blocks in Anthropic's order, and builds the same message", () => {
    const { assembly, events } = recorded();
    assembly.start(12);
    assembly.thinking("Hm");
    assembly.thinking("m.");
    assembly.text("Let me ");
    assembly.text("look.");
    assembly.toolCall({ index: 0, name: "weather", arguments: "" });
    assembly.toolCall({ index: 0, name: "weather", arguments: '{"city":' });
    assembly.toolCall({ index: 0, name: "weather", arguments: '"Oslo"}' });
    assembly.finish("tool_calls");
    const message = assembly.end(usage);

    expect(events.map((e) => (e.type.startsWith("content_block") ? `${e.type}:${(e as { index: number }).index}` : e.type))).toEqual([
      "message_start",
      "ping",
      "content_block_start:0",
      "content_block_delta:0",
      "content_block_delta:0",
      "content_block_stop:0",
      "content_block_start:1",
      "content_block_delta:1",
      "content_block_delta:1",
      "content_block_stop:1",
      "content_block_start:2",
      "content_block_delta:2",
      "content_block_delta:2",
      "content_block_stop:2",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]).toMatchObject({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 0 } } });
    const toolUseStart = events[10] as Extract<AnthropicStreamEvent, { type: "content_block_start" }>;
    expect(toolUseStart.content_block).toMatchObject({ type: "tool_use", name: "weather", input: {} });
    expect(events[11]).toEqual({ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"city":' } });
    expect(events[14]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 8, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 },
    });
    expect(message).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "m",
      content: [
        { type: "thinking", thinking: "Hmm.", signature: "" },
        { type: "text", text: "Let me look." },
        { type: "tool_use", id: toolUseStart.content_block.type === "tool_use" ? toolUseStart.content_block.id : "", name: "weather", input: { city: "Oslo" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 8, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 },
    });
    expect(message.content[2]).toMatchObject({ id: expect.stringMatching(/^toolu_/) });
  });

  it("names the stop reason: the stop string, the token limit, or the end of the turn", () => {
    const ended = (finish: "stop" | "length", stop?: string) => {
      const assembly = new MessageAssembly(head);
      assembly.text("x");
      assembly.finish(finish, stop);
      return assembly.end(usage);
    };
    expect(ended("stop", "The end")).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "The end" });
    expect(ended("length")).toMatchObject({ stop_reason: "max_tokens", stop_sequence: null });
    expect(ended("stop")).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
  });
});

describe("answers in OpenAI's chat shape", () => {
  it("a kept chat body comes back as the message it was made from, stop string included", () => {
    const original = new MessageAssembly(head);
    original.thinking("Think.");
    original.text("Once upon");
    original.toolCall({ index: 0, name: "look", arguments: '{"at":"sky"}' });
    original.finish("stop", "time");
    const first = original.end(usage);
    const { choice, stopSequence } = original.chatChoice;
    const body = chatBodyOf(choice, stopSequence, { id: "chatcmpl-1", model: "m" }, usage);
    expect(body).toMatchObject({ object: "chat.completion", choices: [{ message: { content: "Once upon", reasoning_content: "Think." }, stop_sequence: "time" }] });

    const replayed = new MessageAssembly(head);
    assembleChatBody(JSON.parse(JSON.stringify(body)), replayed);
    expect(replayed.end(usage)).toEqual(first);
  });

  it("reads a chat stream's chunks into blocks as they come, calls named by their first piece", () => {
    const { assembly, events } = recorded();
    const reader = new ChatChunkReader(assembly);
    const chunk = (delta: object, finish: string | null = null) => ({ choices: [{ index: 0, delta, finish_reason: finish }] });
    reader.push(chunk({ role: "assistant", content: "" }));
    reader.push(chunk({ reasoning_content: "Plan." }));
    reader.push(chunk({ content: "Sure." }));
    reader.push(chunk({ tool_calls: [{ index: 0, id: "call_x", type: "function", function: { name: "look", arguments: "" } }] }));
    reader.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"at":"sea"}' } }] }));
    reader.push(chunk({}, "tool_calls"));
    reader.push({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } });
    expect(reader.finished).toBe(true);
    expect(reader.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3 });
    const message = assembly.end({ promptTokens: 5, completionTokens: 3 });
    expect(message.content).toEqual([
      { type: "thinking", thinking: "Plan.", signature: "" },
      { type: "text", text: "Sure." },
      { type: "tool_use", id: expect.any(String), name: "look", input: { at: "sea" } },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    expect(events.filter((e) => e.type === "content_block_start")).toHaveLength(3);
  });
});
