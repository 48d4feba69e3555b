import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { requestIdOf, useAnthropicStack } from "../../../../test/harness/anthropic-stack.js";
import { BUNDLED_MODEL, waitFor } from "../../../../test/harness/test-stack.js";

/*
 * Anthropic's Messages API through the official SDK, on the bundled model: whole and streamed
 * messages, stop reasons, a tool round trip, count_tokens, typed errors, usage events and cancel.
 */

const ctx = useAnthropicStack();

const story = { model: BUNDLED_MODEL, max_tokens: 24, temperature: 0, messages: [{ role: "user" as const, content: "Once upon a time" }] };

const textOf = (message: Anthropic.Message) =>
  message.content
    .filter((block): block is Anthropic.TextBlock => block.type === "text")
    .map((block) => block.text)
    .join("");

describe("messages.create and messages.stream", () => {
  it("answers a message in Anthropic's shape, ending at max_tokens", async () => {
    const message = await ctx.client.messages.create(story);
    expect(message).toMatchObject({ id: expect.stringMatching(/^msg_/), type: "message", role: "assistant", model: BUNDLED_MODEL, stop_reason: "max_tokens", stop_sequence: null });
    expect(message.content).toHaveLength(1);
    expect(textOf(message).length).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBe(24);
    expect(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0)).toBeGreaterThan(0);
  });

  it("streams the same text as events in Anthropic's order", async () => {
    const whole = await ctx.client.messages.create(story);
    const stream = ctx.client.messages.stream(story);
    const types: string[] = [];
    let streamed = "";
    stream.on("streamEvent", (event) => types.push(event.type));
    stream.on("text", (text) => (streamed += text));
    const final = await stream.finalMessage();
    expect(streamed).toBe(textOf(whole));
    expect(final.content).toEqual(whole.content);
    expect(final.stop_reason).toBe("max_tokens");
    expect(final.usage.output_tokens).toBe(24);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(types).toContain("content_block_delta");
  });

  it("stops at a stop sequence and names it, whole and streamed", async () => {
    const text = textOf(await ctx.client.messages.create(story));
    const word = text.split(" ").filter((w) => /^[a-z]{3,}$/.test(w))[1]!;
    const stopped = await ctx.client.messages.create({ ...story, stop_sequences: [` ${word}`] });
    expect(stopped).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: ` ${word}` });
    expect(text.startsWith(textOf(stopped))).toBe(true);
    expect(textOf(stopped)).not.toContain(` ${word}`);
    const streamed = await ctx.client.messages.stream({ ...story, stop_sequences: [` ${word}`] }).finalMessage();
    expect(streamed).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: ` ${word}` });
  });
});

describe("top_k", () => {
  it("reaches the sampler: the single most likely token each time is greedy decoding, whatever the temperature", async () => {
    const greedy = textOf(await ctx.client.messages.create(story));
    // This SDK's types no longer list temperature; the API still takes it.
    const sampled = { ...story, temperature: 1, top_k: 1 };
    expect(textOf(await ctx.client.messages.create(sampled))).toBe(greedy);
  });
});

const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "The weather in a city",
  // A bound the story model reaches: it writes on inside a string otherwise.
  input_schema: { type: "object", properties: { city: { type: "string", maxLength: 20 } }, required: ["city"] },
};

describe("tools", () => {
  it("a forced tool_use, then its tool_result, then an answer", async () => {
    const ask = { ...story, max_tokens: 200, tools: [weather], messages: [{ role: "user" as const, content: "What is the weather in Paris?" }] };
    const called = await ctx.client.messages.create({ ...ask, tool_choice: { type: "tool", name: "get_weather" } });
    expect(called.stop_reason).toBe("tool_use");
    const use = called.content.find((block): block is Anthropic.ToolUseBlock => block.type === "tool_use")!;
    expect(use).toMatchObject({ id: expect.stringMatching(/^toolu_/), name: "get_weather", input: { city: expect.any(String) } });

    const streamed = await ctx.client.messages.stream({ ...ask, tool_choice: { type: "any" } }).finalMessage();
    expect(streamed.content.find((block) => block.type === "tool_use")).toMatchObject({ name: "get_weather", input: { city: expect.any(String) } });

    const answer = await ctx.client.messages.create({
      ...ask,
      messages: [...ask.messages, { role: "assistant", content: called.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "Sunny, 24 C" }] }],
    });
    expect(answer.content.every((block) => block.type === "text")).toBe(true);
    expect(["end_turn", "max_tokens"]).toContain(answer.stop_reason);
    expect(answer.usage.input_tokens + (answer.usage.cache_read_input_tokens ?? 0)).toBeGreaterThan(called.usage.input_tokens + (called.usage.cache_read_input_tokens ?? 0));
  });
});

describe("count_tokens", () => {
  it("counts the prompt tokens a message evaluates", async () => {
    const { input_tokens } = await ctx.client.messages.countTokens({ model: BUNDLED_MODEL, messages: story.messages, system: "Tell a story." });
    const message = await ctx.client.messages.create({ ...story, system: "Tell a story.", max_tokens: 1 });
    expect(input_tokens).toBe(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0));
  });
});

/** The error body the SDK read. */
const bodyOf = (err: unknown) => (err as { error?: unknown }).error;

describe("errors, as the SDK's typed errors", () => {
  it("401 for a bad key, 404 for an unknown model, 400 naming an image block, in Anthropic's shape", async () => {
    const unauthorized = await ctx.clientWith("sk-nobody").messages.create(story).catch((err: unknown) => err);
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(bodyOf(unauthorized)).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const missing = await ctx.client.messages.create({ ...story, model: "no-such-model" }).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(bodyOf(missing)).toMatchObject({ type: "error", error: { type: "not_found_error", message: expect.stringContaining("no-such-model") } });
    const image = { type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: "AAAA" } };
    const refused = await ctx.client.messages.create({ ...story, messages: [{ role: "user", content: [image] }] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bodyOf(refused)).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("messages[0].content[0].type") } });
  });

  it("429 rate_limit_error once a key is over its request limit", async () => {
    const limited = ctx.clientWith(await ctx.putKey({ rateLimits: [{ kind: "requests", limit: 1, windowSeconds: 86_400 }] }));
    await limited.messages.create({ ...story, max_tokens: 1 });
    const over = await limited.messages.create({ ...story, max_tokens: 1 }).catch((err: unknown) => err);
    expect(over).toBeInstanceOf(Anthropic.RateLimitError);
    expect(bodyOf(over)).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });
});

describe("raw HTTP", () => {
  const post = (body: unknown, headers: Record<string, string> = { "x-api-key": ctx.secret }) =>
    fetch(`${ctx.stack.baseUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const refusal = async (res: Response) => ({ status: res.status, body: (await res.json()) as { type: string; error: { type: string; message: string } } });

  it("takes the key as Authorization: Bearer too, and ignores fields it does not know", async () => {
    const res = await post({ ...story, max_tokens: 2, service_tier: "auto", container: null }, { authorization: `Bearer ${ctx.secret}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: "message", usage: { output_tokens: 2 } });
  });

  it("answers bad input with Anthropic's 400, naming the field", async () => {
    const bad = await refusal(await post("{not json"));
    expect(bad).toMatchObject({ status: 400, body: { type: "error", error: { type: "invalid_request_error" } } });
    expect((await refusal(await post({ ...story, max_tokens: undefined }))).body.error.message).toContain("max_tokens");
    expect((await refusal(await post({ ...story, messages: [{ role: "user", content: [{ type: "video", url: "x" }] }] }))).body.error.message).toContain("messages[0].content[0]");
    const search = await refusal(await post({ ...story, tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }] }));
    expect(search).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", message: expect.stringContaining("tools[0].type") } } });
    expect((await refusal(await post({ ...story, top_k: -1 }))).body.error.message).toContain("top_k");
  });

  it("answers 403 permission_error for a key that may not use the path, 404 not_found_error for another method", async () => {
    const chatOnly = await ctx.putKey({ allowedPaths: ["/v1/chat/*", "/v1/models*"] });
    const denied = await ctx.clientWith(chatOnly).messages.create(story).catch((err: unknown) => err);
    expect(denied).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(bodyOf(denied)).toMatchObject({ type: "error", error: { type: "permission_error" } });
    const res = await fetch(`${ctx.stack.baseUrl}/v1/messages`, { headers: { "x-api-key": ctx.secret } });
    expect(await refusal(res)).toMatchObject({ status: 404, body: { type: "error", error: { type: "not_found_error" } } });
  });
});

describe("cache", () => {
  it("a deterministic message is answered from the cache the second time, stop string and all, whole or streamed", async () => {
    const caching = ctx.clientWith(await ctx.putKey({ cache: { ttlSeconds: 60 } }));
    const text = textOf(await ctx.client.messages.create(story));
    const word = ` ${text.split(" ").filter((w) => /^[a-z]{3,}$/.test(w))[0]!}`;
    const params = { ...story, stop_sequences: [word] };
    const first = await caching.messages.create(params).withResponse();
    expect(first.response.headers.get("x-lantern-cache")).toBe("miss");
    const again = await caching.messages.create(params).withResponse();
    expect(again.response.headers.get("x-lantern-cache")).toBe("hit");
    expect(again.data.content).toEqual(first.data.content);
    expect(again.data).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: word });
    const streamed = await caching.messages.stream(params).finalMessage();
    expect(streamed.content).toEqual(first.data.content);
    expect(streamed.stop_sequence).toBe(word);
  });
});

describe("accounting and cancel", () => {
  it("a message's usage event counts its tokens like a chat completion's", async () => {
    const whole = await ctx.client.messages.create(story);
    const streamed = await ctx.client.messages.stream(story).finalMessage();
    const [wholeEvent, streamedEvent] = await ctx.eventsFor([requestIdOf(whole), requestIdOf(streamed)]);
    for (const [event, message, stream] of [[wholeEvent!, whole, false], [streamedEvent!, streamed, true]] as const) {
      expect(event).toMatchObject({ path: "/v1/messages", model: BUNDLED_MODEL, status: 200, stream, completionTokens: 24, provider: "local" });
      expect(event.promptTokens).toBe(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0));
      expect(event.keyId).not.toBeNull();
    }
  });

  it("a client that closes its stream cancels the generation", async () => {
    const aborter = new AbortController();
    const res = await fetch(`${ctx.stack.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": ctx.secret, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ ...story, max_tokens: 1800, stream: true }),
      signal: aborter.signal,
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id");
    await res.body!.getReader().read();
    aborter.abort();
    await waitFor(() => ctx.worker.logs.some((l) => l.requestId === requestId && l.msg === "job finished"));
    const finished = ctx.worker.logs.find((l) => l.requestId === requestId && l.msg === "job finished")!;
    expect(finished.finishReason).toBe("cancelled");
    expect(finished.completionTokens as number).toBeLessThan(1800);
  });
});
