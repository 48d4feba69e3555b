import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useSdkStack } from "./harness/sdk-stack.js";
import { BUNDLED_MODEL } from "./harness/test-stack.js";

// The bundled model has no template of its own; the Qwen 3.5 template opens every reply in a
// thought segment (<think>…</think>), so what the model writes first is its reasoning.
const sdk = useSdkStack({ INFERENCE_CHAT_WRAPPER: "qwen3.5" });

type Params = OpenAI.ChatCompletionCreateParamsNonStreaming & { reasoning_budget?: number; reasoning_format?: string };
type ReasoningMessage = OpenAI.ChatCompletionMessage & { reasoning_content?: string };

const story = [{ role: "user" as const, content: "Once upon a time" }];
// The story model never closes its thought by itself: a budget of thought tokens does.
const base: Params = { model: BUNDLED_MODEL, messages: story, max_tokens: 40, temperature: 0, seed: 1, reasoning_budget: 10 };

async function complete(params: Params) {
  const res = await sdk.client.chat.completions.create(params);
  return { res, message: res.choices[0]!.message as ReasoningMessage };
}

describe("reasoning_content", () => {
  it("the thought comes back as reasoning_content, the answer as content", async () => {
    const { res, message } = await complete(base);
    expect(message.reasoning_content!.length).toBeGreaterThan(0);
    expect(message.content!.length).toBeGreaterThan(0);
    expect(message.content).not.toContain("think>");
    expect(message.content).not.toContain(message.reasoning_content);
    // Thought tokens are completion tokens too.
    expect(res.usage!.completion_tokens).toBeGreaterThan(10);
  });

  it("without a budget the whole reply is thought", async () => {
    const { res, message } = await complete({ ...base, reasoning_budget: undefined, max_tokens: 24 });
    expect(res.choices[0]!.finish_reason).toBe("length");
    expect(message.reasoning_content!.length).toBeGreaterThan(0);
    expect(message.content).toBe("");
  });

  it("streams reasoning_content deltas, then content deltas, that join to the whole answer", async () => {
    const { message } = await complete(base);
    const stream = await sdk.client.chat.completions.create({ ...base, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    let reasoning = "";
    let content = "";
    let reasoningAfterContent = false;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      if (delta?.reasoning_content && content) reasoningAfterContent = true;
      reasoning += delta?.reasoning_content ?? "";
      content += delta?.content ?? "";
    }
    expect(reasoning).toBe(message.reasoning_content);
    expect(content).toBe(message.content);
    expect(reasoningAfterContent).toBe(false);
  });

  it("reasoning_format none keeps the raw text, tags and all, in content", async () => {
    const { message: apart } = await complete(base);
    const { message: inline } = await complete({ ...base, reasoning_format: "none" });
    expect(inline.reasoning_content).toBeUndefined();
    expect(inline.content).toBe(`<think>\n${apart.reasoning_content}\n</think>${apart.content}`);
  });

  it("takes earlier thoughts as reasoning_content or reasoning, as the template wants them", async () => {
    const call = { id: "call_1", type: "function" as const, function: { name: "look", arguments: "{}" } };
    const tools = [{ type: "function" as const, function: { name: "look" } }];
    const promptTokens = async (assistant: Record<string, unknown>, after: OpenAI.ChatCompletionMessageParam) => {
      const messages = [...story, { role: "assistant", content: "", ...assistant }, after] as OpenAI.ChatCompletionMessageParam[];
      const { res } = await complete({ ...base, messages, tools, tool_choice: "none", max_tokens: 1 });
      return res.usage!.prompt_tokens;
    };
    const toolResult = { role: "tool" as const, tool_call_id: "call_1", content: "a map" };
    // A reply that goes on after its own calls keeps the thought it had before them ...
    const without = await promptTokens({ tool_calls: [call] }, toolResult);
    const withReasoning = await promptTokens({ tool_calls: [call], reasoning_content: "I should look." }, toolResult);
    expect(withReasoning).toBeGreaterThan(without);
    expect(await promptTokens({ tool_calls: [call], reasoning: "I should look." }, toolResult)).toBe(withReasoning);
    // ... while this template drops the thoughts of turns that are over.
    const next = { role: "user" as const, content: "And then?" };
    expect(await promptTokens({ content: "A dog.", reasoning_content: "A long thought." }, next)).toBe(await promptTokens({ content: "A dog." }, next));
  });

  it("refuses reasoning on a message that is not the assistant's, and unknown formats", async () => {
    for (const [params, param] of [
      [{ ...base, messages: [{ role: "user", content: "hi", reasoning_content: "no" }] }, "messages[0].reasoning_content"],
      [{ ...base, reasoning_format: "deepseek-legacy" }, "reasoning_format"],
      [{ ...base, reasoning_budget: -1 }, "reasoning_budget"],
    ] as Array<[Params, string]>) {
      const err = await sdk.client.chat.completions.create(params).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(((err as InstanceType<typeof OpenAI.BadRequestError>).error as { param: string }).param).toBe(param);
    }
  });
});
