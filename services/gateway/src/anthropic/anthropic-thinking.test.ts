import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { useAnthropicStack } from "../../../../test/harness/anthropic-stack.js";
import { BUNDLED_MODEL } from "../../../../test/harness/test-stack.js";

// The Qwen 3.5 template opens every reply in a thought segment (<think>…</think>), so what the
// bundled model writes first is its thinking; it never closes the thought itself: a budget does.
const ctx = useAnthropicStack({ INFERENCE_CHAT_WRAPPER: "qwen3.5" });

const base = {
  model: BUNDLED_MODEL,
  max_tokens: 40,
  temperature: 0,
  messages: [{ role: "user" as const, content: "Once upon a time" }],
  thinking: { type: "enabled" as const, budget_tokens: 10 },
};

const blockTypes = (message: Anthropic.Message) => message.content.map((block) => block.type);
const thinkingOf = (message: Anthropic.Message) => message.content.find((b): b is Anthropic.ThinkingBlock => b.type === "thinking")?.thinking ?? "";
const textOf = (message: Anthropic.Message) => message.content.find((b): b is Anthropic.TextBlock => b.type === "text")?.text ?? "";

describe("thinking", () => {
  it("comes back as a thinking block before the text, within its budget", async () => {
    const message = await ctx.client.messages.create(base);
    expect(blockTypes(message)).toEqual(["thinking", "text"]);
    expect(thinkingOf(message).length).toBeGreaterThan(0);
    expect(textOf(message).length).toBeGreaterThan(0);
    expect(textOf(message)).not.toContain("think>");
    expect(message.usage.output_tokens).toBeGreaterThan(10);
  });

  it("streams thinking_delta events, then text_delta events, that make the same message", async () => {
    const whole = await ctx.client.messages.create(base);
    const deltas: string[] = [];
    const stream = ctx.client.messages.stream(base);
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_delta") deltas.push(event.delta.type);
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual(whole.content);
    const firstText = deltas.indexOf("text_delta");
    expect(deltas[0]).toBe("thinking_delta");
    expect(firstText).toBeGreaterThan(0);
    expect(deltas.slice(firstText).every((type) => type === "text_delta")).toBe(true);
  });

  it("disabled: no thinking block; without the field, the model's own way (this one thinks to the end)", async () => {
    const disabled = await ctx.client.messages.create({ ...base, thinking: { type: "disabled" } });
    expect(blockTypes(disabled)).toEqual(["text"]);
    const { thinking: _, ...unset } = base;
    const own = await ctx.client.messages.create({ ...unset, max_tokens: 24 });
    expect(blockTypes(own)).toEqual(["thinking"]);
    expect(own.stop_reason).toBe("max_tokens");
  });

  it("takes earlier thinking blocks back in the conversation", async () => {
    const first = await ctx.client.messages.create(base);
    const next = await ctx.client.messages.create({
      ...base,
      messages: [...base.messages, { role: "assistant", content: first.content }, { role: "user", content: "And then?" }],
    });
    expect(blockTypes(next)).toEqual(["thinking", "text"]);
  });
});
