import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useSdkStack } from "./harness/sdk-stack.js";

/** Token counts of a usage, leaving out how much of the prompt a slot had cached (it depends on earlier requests). */
const counts = (u: OpenAI.CompletionUsage | undefined) => ({ ...u, prompt_tokens_details: undefined });
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type TestStack } from "./harness/test-stack.js";

const sdk = useSdkStack({ INFERENCE_SLOTS: "4" });
// The bundled model under a template that opens every reply in a thought segment, as a second model name.
const THINKING_MODEL = "stories-think";
beforeAll(async () => {
  await sdk.stack.startWorker({ INFERENCE_SLOTS: "2", INFERENCE_MODELS: `${THINKING_MODEL}=stories260K.gguf`, INFERENCE_CHAT_WRAPPER: "qwen3.5" });
});

const story = [{ role: "user" as const, content: "Once upon a time" }];
const chatParams = { model: BUNDLED_MODEL, messages: story, max_tokens: 24, temperature: 1, seed: 11 };

const paramOf = (err: unknown) => ((err as InstanceType<typeof OpenAI.BadRequestError>).error as { param: string }).param;

describe("n choices", () => {
  it("n=3 gives three different choices, and the same three again for the same seed", async () => {
    const first = await sdk.client.chat.completions.create({ ...chatParams, n: 3 });
    expect(first.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const texts = first.choices.map((c) => c.message.content);
    for (const text of texts) expect(text!.length).toBeGreaterThan(0);
    expect(new Set(texts).size).toBe(3);

    const again = await sdk.client.chat.completions.create({ ...chatParams, n: 3 });
    expect(again.choices.map((c) => c.message.content)).toEqual(texts);
    // The same counts; only how much of the prompt the slots found cached may differ.
    expect(counts(again.usage)).toEqual(counts(first.usage));
  });

  it("choice 0 is what the same request with n=1 answers", async () => {
    const many = await sdk.client.chat.completions.create({ ...chatParams, n: 2 });
    const one = await sdk.client.chat.completions.create(chatParams);
    expect(many.choices[0]!.message.content).toBe(one.choices[0]!.message.content);
  });

  it("usage counts the prompt once and adds up the choices' tokens", async () => {
    const params = { model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 16, temperature: 1, seed: 5, logprobs: 0 };
    const one = await sdk.client.completions.create(params);
    const three = await sdk.client.completions.create({ ...params, n: 3 });
    expect(three.choices).toHaveLength(3);
    expect(three.usage!.prompt_tokens).toBe(one.usage!.prompt_tokens);
    // On the completions endpoint every generated token is in the text and has a logprob entry.
    const tokens = three.choices.map((c) => c.logprobs!.tokens!.length);
    expect(three.usage!.completion_tokens).toBe(tokens[0]! + tokens[1]! + tokens[2]!);
    expect(three.usage!.total_tokens).toBe(three.usage!.prompt_tokens + three.usage!.completion_tokens);
  });

  it("a stream of n=2 assembles to the non-streamed choices, each with its own finish, and one usage chunk at the end", async () => {
    const whole = await sdk.client.chat.completions.create({ ...chatParams, n: 2 });
    const stream = await sdk.client.chat.completions.create({ ...chatParams, n: 2, stream: true, stream_options: { include_usage: true } });
    const texts = ["", ""];
    const roles: Array<string | undefined> = [undefined, undefined];
    const finishes: Array<Array<string>> = [[], []];
    const usages: OpenAI.CompletionUsage[] = [];
    let afterUsage = 0;
    for await (const chunk of stream) {
      if (usages.length > 0) afterUsage++;
      for (const choice of chunk.choices) {
        expect(chunk.choices).toHaveLength(1);
        texts[choice.index] += choice.delta.content ?? "";
        roles[choice.index] ??= choice.delta.role;
        if (choice.finish_reason) finishes[choice.index]!.push(choice.finish_reason);
      }
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(texts).toEqual(whole.choices.map((c) => c.message.content));
    expect(roles).toEqual(["assistant", "assistant"]);
    expect(finishes).toEqual(whole.choices.map((c) => [c.finish_reason]));
    expect(usages.map(counts)).toEqual([counts(whole.usage)]);
    expect(afterUsage).toBe(0);
  });

  it("text completions stream their choices by index too", async () => {
    const params = { model: BUNDLED_MODEL, prompt: "The little dog", max_tokens: 20, temperature: 1, seed: 3, n: 3 };
    const whole = await sdk.client.completions.create(params);
    const stream = await sdk.client.completions.create({ ...params, stream: true });
    const texts = ["", "", ""];
    for await (const chunk of stream) for (const choice of chunk.choices) texts[choice.index] += choice.text;
    expect(texts).toEqual(whole.choices.map((c) => c.text));
    expect(new Set(texts).size).toBe(3);
  });

  it("a client that goes away cancels every choice", async () => {
    const aborter = new AbortController();
    const res = await fetch(`${sdk.stack.baseUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 1800, temperature: 0, n: 2, stream: true }),
      signal: aborter.signal,
    });
    const requestId = res.headers.get("x-request-id")!;
    await res.body!.getReader().read();
    aborter.abort();
    const finished = () => sdk.worker.logs.filter((l) => l.msg === "job finished" && String(l.requestId).startsWith(`${requestId}-c`));
    await waitFor(() => finished().length === 2, 30_000, "both choices to stop");
    expect(finished().map((l) => l.finishReason)).toEqual(["cancelled", "cancelled"]);
  });

  it("best_of equal to n is accepted", async () => {
    const res = await sdk.client.completions.create({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 4, n: 2, best_of: 2 });
    expect(res.choices).toHaveLength(2);
  });

  it.each([
    ["n above 16", { n: 17 }, "n"],
    ["n of 0", { n: 0 }, "n"],
  ])("%s is a 400 naming n", async (_name, extra, param) => {
    const err = await sdk.client.chat.completions.create({ ...chatParams, ...extra }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(paramOf(err)).toBe(param);
  });

  it("best_of other than n is a 400 naming best_of", async () => {
    const err = await sdk.client.completions
      .create({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 4, n: 1, best_of: 3 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(paramOf(err)).toBe("best_of");
  });
});

describe("a choice that fails", () => {
  // One slot: one choice runs a long story while the other waits and runs out of queue time.
  let stack: TestStack;
  let worker: InProcessWorker;
  beforeAll(async () => {
    stack = await startTestStack({ gatewayEnv: { GATEWAY_QUEUE_TIMEOUT_MS: "400" } });
    worker = await stack.startWorker({ INFERENCE_SLOTS: "1" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const longStory = { model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 1800, temperature: 0, n: 2 };
  const post = (body: object) =>
    fetch(`${stack.baseUrl}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  /** The running choice was stopped early instead of generating its 1,800 tokens. */
  const cancelledChoice = (requestId: string) =>
    waitFor(
      () => worker.logs.some((l) => l.msg === "job finished" && String(l.requestId).startsWith(`${requestId}-c`) && l.finishReason === "cancelled"),
      30_000,
      "the running choice to be cancelled",
    );

  it("fails the whole request and cancels the running choice", async () => {
    const res = await post(longStory);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("no_capacity");
    await cancelledChoice(res.headers.get("x-request-id")!);
  });

  it("ends a stream with an error event, not [DONE], and cancels the running choice", async () => {
    const res = await post({ ...longStory, stream: true });
    expect(res.status).toBe(200);
    const events = (await res.text())
      .split("\n\n")
      .filter((e) => e.startsWith("data: "))
      .map((e) => e.slice("data: ".length));
    expect(events).not.toContain("[DONE]");
    const last = JSON.parse(events.at(-1)!) as { error?: { code: string } };
    expect(last.error?.code).toBe("no_capacity");
    await cancelledChoice(res.headers.get("x-request-id")!);
  });
});

describe("n choices with tools and reasoning", () => {
  const weather: OpenAI.ChatCompletionFunctionTool = {
    type: "function",
    function: {
      name: "get_weather",
      parameters: { type: "object", properties: { city: { type: "string", maxLength: 20 }, days: { type: "integer" } }, required: ["city", "days"] },
    },
  };
  const toolParams = {
    model: BUNDLED_MODEL,
    messages: [{ role: "user" as const, content: "What is the weather in Paris?" }],
    tools: [weather],
    tool_choice: { type: "function" as const, function: { name: "get_weather" } },
    temperature: 1,
    seed: 6,
    n: 2,
  };

  it("each choice makes its own call, with its own id, and a stream assembles to the same calls by choice index", async () => {
    const whole = await sdk.client.chat.completions.create(toolParams);
    expect(whole.choices.map((c) => c.index)).toEqual([0, 1]);
    const wholeCalls = whole.choices.map((choice) => {
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.tool_calls).toHaveLength(1);
      const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect(call.function.name).toBe("get_weather");
      const args = JSON.parse(call.function.arguments) as { city: unknown; days: unknown };
      expect(typeof args.city).toBe("string");
      expect(Number.isInteger(args.days)).toBe(true);
      return call;
    });
    expect(wholeCalls[0]!.id).not.toBe(wholeCalls[1]!.id);

    const stream = await sdk.client.chat.completions.create({ ...toolParams, stream: true });
    const streamed = [0, 1].map(() => ({ id: undefined as string | undefined, name: undefined as string | undefined, arguments: "" }));
    const finishes: Array<string | null> = [null, null];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        finishes[choice.index] = choice.finish_reason ?? finishes[choice.index]!;
        for (const delta of choice.delta.tool_calls ?? []) {
          expect(delta.index).toBe(0);
          const call = streamed[choice.index]!;
          call.id ??= delta.id;
          call.name ??= delta.function?.name;
          call.arguments += delta.function?.arguments ?? "";
        }
      }
    }
    expect(finishes).toEqual(["tool_calls", "tool_calls"]);
    expect(streamed[0]!.id).not.toBe(streamed[1]!.id);
    expect(streamed.map(({ name, arguments: args }) => ({ name, arguments: args }))).toEqual(
      wholeCalls.map((call) => ({ name: call.function.name, arguments: call.function.arguments })),
    );
  });

  it("each choice keeps its thoughts apart, and streamed reasoning deltas name their choice", async () => {
    type ReasoningMessage = OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    const params = { model: THINKING_MODEL, messages: story, max_tokens: 30, temperature: 1, seed: 2, n: 2, reasoning_budget: 8 };
    const whole = await sdk.client.chat.completions.create(params as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const thoughts = whole.choices.map((c) => (c.message as ReasoningMessage).reasoning_content);
    for (const thought of thoughts) expect(thought!.length).toBeGreaterThan(0);
    expect(thoughts[0]).not.toBe(thoughts[1]);

    const stream = await sdk.client.chat.completions.create({ ...params, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    const reasoning = ["", ""];
    const content = ["", ""];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        const delta = choice.delta as { content?: string; reasoning_content?: string };
        reasoning[choice.index] += delta.reasoning_content ?? "";
        content[choice.index] += delta.content ?? "";
      }
    }
    expect(reasoning).toEqual(thoughts);
    expect(content).toEqual(whole.choices.map((c) => c.message.content));
  });
});
