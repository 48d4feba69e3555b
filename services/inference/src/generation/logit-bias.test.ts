import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { Token } from "node-llama-cpp";
import { useSdkStack } from "../../../../test/harness/sdk-stack.js";
import { BUNDLED_MODEL } from "../../../../test/harness/test-stack.js";

const sdk = useSdkStack();

const PROMPT = "Once upon a time";
const complete = (extra: Partial<OpenAI.CompletionCreateParamsNonStreaming> = {}) =>
  sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: PROMPT, max_tokens: 8, temperature: 0, seed: 3, ...extra });

/** Every vocabulary id whose text continues the prompt as `text` (the test reads the model's own vocabulary). */
function tokensFor(text: string): Token[] {
  const model = sdk.worker.worker.models[0]!.model;
  const before = model.tokenize(PROMPT);
  const size = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  const ids: Token[] = [];
  for (let id = 0; id < size; id++) if (model.detokenize([id as Token], false, before) === text) ids.push(id as Token);
  if (ids.length === 0) throw new Error(`no token for ${JSON.stringify(text)}`);
  return ids;
}

describe("logit_bias", () => {
  it("+100 makes a token the only choice", async () => {
    const mom = tokensFor(" mom")[0]!;
    const res = await complete({ logit_bias: { [mom]: 100 } });
    expect(res.choices[0]!.text).toBe(" mom".repeat(8));
  });

  it("-100 bans the token greedy decoding would have picked", async () => {
    const free = await complete({ max_tokens: 1 });
    const first = free.choices[0]!.text;
    const ban = Object.fromEntries(tokensFor(first).map((id) => [id, -100]));
    const banned = await complete({ max_tokens: 1, logit_bias: ban });
    expect(banned.choices[0]!.text).not.toBe(first);
  });

  it("works on chat completions and on streams", async () => {
    const mom = tokensFor(" mom")[0]!;
    const stream = await sdk.client.chat.completions.create({
      model: BUNDLED_MODEL,
      messages: [{ role: "user", content: PROMPT }],
      max_tokens: 6,
      temperature: 0,
      logit_bias: { [mom]: 100 },
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.trim().split(/\s+/)).toEqual(Array(6).fill("mom"));
  });

  it("a token id outside the vocabulary is a 400 naming it", async () => {
    const err = await complete({ logit_bias: { 99999: 5 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const body = (err as InstanceType<typeof OpenAI.BadRequestError>).error as { param: string; code: string };
    expect(body.param).toBe("logit_bias.99999");
    expect(body.code).toBe("invalid_value");
  });

  it("a bias outside -100..100 or a key that is not a token id is a 400", async () => {
    for (const bias of [{ 5: 101 }, { dog: 1 }] as Array<Record<string, number>>) {
      const err = await complete({ logit_bias: bias }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(((err as InstanceType<typeof OpenAI.BadRequestError>).error as { param: string }).param).toMatch(/^logit_bias/);
    }
  });
});
