import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useSdkStack } from "./harness/sdk-stack.js";
import { BUNDLED_MODEL } from "./harness/test-stack.js";

const sdk = useSdkStack();

const story = [{ role: "user" as const, content: "Once upon a time" }];

describe("the official openai SDK against the gateway", () => {
  it("gets a chat completion with correct usage and finish_reason", async () => {
    const res = await sdk.client.chat.completions.create({ model: BUNDLED_MODEL, messages: story, max_tokens: 24, temperature: 0, seed: 7 });
    expect(res.object).toBe("chat.completion");
    expect(res.model).toBe(BUNDLED_MODEL);
    const choice = res.choices[0]!;
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content!.length).toBeGreaterThan(0);
    expect(choice.finish_reason).toBe("length");
    expect(res.usage!.completion_tokens).toBe(24);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(3);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + 24);
  });

  it("streams the same text as the non-streamed answer for the same seed at temperature 0", async () => {
    const params = { model: BUNDLED_MODEL, messages: story, max_tokens: 60, temperature: 0, seed: 42 };
    const whole = await sdk.client.chat.completions.create(params);
    const stream = await sdk.client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let role: string | undefined;
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let textChunks = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) textChunks++;
      if (choice) {
        role ??= choice.delta.role;
        text += choice.delta.content ?? "";
        finish = choice.finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    // The first token travels alone; the rest follows in later chunks, however fast the model.
    expect(textChunks).toBeGreaterThanOrEqual(2);
    expect(role).toBe("assistant");
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(finish).toBe("length");
    expect(usage).toEqual(whole.usage);
  });

  it("honours stop sequences and reports finish_reason stop", async () => {
    const free = await sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 40, temperature: 0 });
    const text = free.choices[0]!.text;
    const stopWord = ` ${text.trim().split(/\s+/)[3]!}`;
    const stopped = await sdk.client.completions.create({
      model: BUNDLED_MODEL,
      prompt: "Once upon a time",
      max_tokens: 40,
      temperature: 0,
      stop: [stopWord],
    });
    expect(stopped.choices[0]!.finish_reason).toBe("stop");
    expect(stopped.choices[0]!.text).toBe(text.slice(0, text.indexOf(stopWord)));
  });

  it("gets text completions, streamed and not", async () => {
    const params = { model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 30, temperature: 0 };
    const whole = await sdk.client.completions.create(params);
    expect(whole.object).toBe("text_completion");
    expect(whole.choices[0]!.text).toMatch(/\w/);
    expect(whole.usage!.completion_tokens).toBe(30);
    let streamed = "";
    for await (const chunk of await sdk.client.completions.create({ ...params, stream: true })) streamed += chunk.choices[0]?.text ?? "";
    expect(streamed).toBe(whole.choices[0]!.text);
  });

  it("uses 16 tokens for completions without max_tokens, as the OpenAI API does", async () => {
    const res = await sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: "Once upon a time", temperature: 0 });
    expect(res.usage!.completion_tokens).toBeLessThanOrEqual(16);
  });

  it("samples differently with different seeds at a high temperature", async () => {
    const texts = new Set<string>();
    for (const seed of [1, 2, 3]) {
      const res = await sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 30, temperature: 1.5, seed });
      texts.add(res.choices[0]!.text);
    }
    expect(texts.size).toBeGreaterThan(1);
  });

  it("lists the models live workers serve", async () => {
    const models = [];
    for await (const model of sdk.client.models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual([BUNDLED_MODEL]);
    expect(models[0]!.object).toBe("model");
    const one = await sdk.client.models.retrieve(BUNDLED_MODEL);
    expect(one.id).toBe(BUNDLED_MODEL);
  });

  it("reports health and readiness", async () => {
    expect((await fetch(`${sdk.stack.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${sdk.stack.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", nats: "connected", workers: 1, models: [BUNDLED_MODEL] });
  });
});
