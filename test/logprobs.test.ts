import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useSdkStack } from "./harness/sdk-stack.js";
import { BUNDLED_MODEL } from "./harness/test-stack.js";

const sdk = useSdkStack();

const story = [{ role: "user" as const, content: "Once upon a time" }];
const chatParams = { model: BUNDLED_MODEL, messages: story, max_tokens: 16, temperature: 0, seed: 9 };

const paramOf = (err: unknown) => ((err as InstanceType<typeof OpenAI.BadRequestError>).error as { param: string }).param;
const utf8 = (text: string) => [...Buffer.from(text, "utf8")];

describe("chat logprobs", () => {
  it("give one entry per completion token, joining to the content, with sorted top_logprobs led by the chosen token", async () => {
    const res = await sdk.client.chat.completions.create({ ...chatParams, logprobs: true, top_logprobs: 3 });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe("length");
    const content = choice.logprobs!.content!;
    expect(content).toHaveLength(res.usage!.completion_tokens);
    expect(content.map((e) => e.token).join("")).toBe(choice.message.content);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual(utf8(entry.token));
      expect(entry.top_logprobs).toHaveLength(3);
      const values = entry.top_logprobs.map((t) => t.logprob);
      expect([...values].sort((a, b) => b - a)).toEqual(values);
      // At temperature 0 the chosen token is the most likely one.
      expect(entry.top_logprobs[0]!.token).toBe(entry.token);
      expect(entry.top_logprobs[0]!.logprob).toBeCloseTo(entry.logprob, 6);
    }
  });

  it("without top_logprobs list no alternatives, and leave the text as it is without logprobs", async () => {
    const plain = await sdk.client.chat.completions.create(chatParams);
    const res = await sdk.client.chat.completions.create({ ...chatParams, logprobs: true });
    expect(res.choices[0]!.message.content).toBe(plain.choices[0]!.message.content);
    expect(plain.choices[0]!.logprobs).toBeNull();
    for (const entry of res.choices[0]!.logprobs!.content!) expect(entry.top_logprobs).toEqual([]);
  });

  it("stream with the delta they belong to, and add up to the non-streamed ones", async () => {
    const params = { ...chatParams, temperature: 1, seed: 4, max_tokens: 30, logprobs: true, top_logprobs: 2 };
    const whole = await sdk.client.chat.completions.create(params);
    const stream = await sdk.client.chat.completions.create({ ...params, stream: true });
    const entries: OpenAI.ChatCompletionTokenLogprob[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice?.delta.content) continue;
      const own = choice.logprobs!.content!;
      expect(own.map((e) => e.token).join("")).toBe(choice.delta.content);
      entries.push(...own);
    }
    expect(entries).toEqual(whole.choices[0]!.logprobs!.content);
  });

  it("come for every choice of n", async () => {
    const res = await sdk.client.chat.completions.create({ ...chatParams, temperature: 1, n: 2, logprobs: true });
    for (const choice of res.choices) {
      expect(choice.logprobs!.content!.map((e) => e.token).join("")).toBe(choice.message.content);
    }
  });
});

describe("completion logprobs (legacy shape)", () => {
  it("give tokens, token_logprobs, top_logprobs maps and text offsets", async () => {
    const res = await sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 12, temperature: 0, logprobs: 2 });
    const choice = res.choices[0]!;
    const lp = choice.logprobs!;
    expect(lp.tokens).toHaveLength(res.usage!.completion_tokens);
    expect(lp.tokens!.join("")).toBe(choice.text);
    expect(lp.token_logprobs).toHaveLength(lp.tokens!.length);
    let offset = 0;
    lp.tokens!.forEach((token, i) => {
      expect(lp.text_offset![i]).toBe(offset);
      offset += token.length;
      expect(lp.token_logprobs![i]!).toBeLessThanOrEqual(0);
      const top = lp.top_logprobs![i]!;
      // The two likeliest tokens, the chosen one among them at temperature 0.
      expect(Object.keys(top).length).toBeLessThanOrEqual(2);
      expect(top[token]).toBeCloseTo(lp.token_logprobs![i]!, 6);
    });
  });

  it("stream with offsets that continue across chunks", async () => {
    const params = { model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 24, temperature: 0, logprobs: 1 };
    const whole = await sdk.client.completions.create(params);
    const stream = await sdk.client.completions.create({ ...params, stream: true });
    const tokens: string[] = [];
    const offsets: number[] = [];
    for await (const chunk of stream) {
      const lp = chunk.choices[0]?.logprobs;
      if (!lp) continue;
      tokens.push(...lp.tokens!);
      offsets.push(...lp.text_offset!);
    }
    expect(tokens).toEqual(whole.choices[0]!.logprobs!.tokens);
    expect(offsets).toEqual(whole.choices[0]!.logprobs!.text_offset);
  });
});

describe("logprobs refusals", () => {
  it.each([
    ["top_logprobs without logprobs", { top_logprobs: 2 }, "top_logprobs"],
    ["top_logprobs with logprobs false", { logprobs: false, top_logprobs: 2 }, "top_logprobs"],
    ["top_logprobs above 20", { logprobs: true, top_logprobs: 21 }, "top_logprobs"],
    ["a number for chat logprobs", { logprobs: 3 }, "logprobs"],
  ])("%s is a 400 naming the param", async (_name, extra, param) => {
    const err = await sdk.client.chat.completions.create({ ...chatParams, ...(extra as object) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(paramOf(err)).toBe(param);
  });

  it("with function calling is a 400 naming logprobs, and fine once tool_choice is none", async () => {
    const tools = [{ type: "function" as const, function: { name: "get_weather" } }];
    const err = await sdk.client.chat.completions.create({ ...chatParams, logprobs: true, tools, tool_choice: "required" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(paramOf(err)).toBe("logprobs");
    const res = await sdk.client.chat.completions.create({ ...chatParams, logprobs: true, tools, tool_choice: "none" });
    expect(res.choices[0]!.logprobs!.content!.map((e) => e.token).join("")).toBe(res.choices[0]!.message.content);
  });

  it.each([6, -1])("completions logprobs %d is a 400 naming logprobs", async (logprobs) => {
    const err = await sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: "Once", max_tokens: 4, logprobs }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(paramOf(err)).toBe("logprobs");
  });
});
