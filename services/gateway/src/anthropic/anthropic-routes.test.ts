import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEdgeKv, type EdgeKv } from "../../../../test/harness/edge-kv.js";
import { defaultBehaviour, startOpenAiUpstream, UPSTREAM_TEXT, type OpenAiUpstream } from "../../../../test/harness/openai-upstream.js";
import { startTestStack, waitFor, type TestStack } from "../../../../test/harness/test-stack.js";

/*
 * Anthropic Messages through a model's route: its local step serves no model, so the upstream
 * step (an OpenAI-compatible server) answers, and the answer comes back in Anthropic's shape.
 */

let stack: TestStack;
let kv: EdgeKv;
let up: OpenAiUpstream;
let flaky: OpenAiUpstream;
let client: Anthropic;

const upstreamStep = (provider: string, retries = 0) => ({ provider, model: "upstream-model", retries, timeoutMs: null });

beforeAll(async () => {
  up = await startOpenAiUpstream();
  flaky = await startOpenAiUpstream((_req, res) => {
    res.writeHead(503, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "overloaded", type: "server_error", param: null, code: "overloaded" } }));
  });
  stack = await startTestStack();
  kv = await openEdgeKv(stack.nats.url, stack.nats.namespace);
  await kv.putProvider({ name: "up", baseUrl: up.baseUrl, apiKey: null, timeoutMs: 5_000 });
  await kv.putProvider({ name: "flaky", baseUrl: flaky.baseUrl, apiKey: null, timeoutMs: 5_000 });
  await kv.putRoute({ model: "ghost", steps: [{ provider: "local", model: "no-such-local-model", retries: 0, timeoutMs: null }, upstreamStep("up")] });
  await kv.putRoute({ model: "hopeless", steps: [upstreamStep("flaky")] });
  await waitFor(async () => {
    const { data } = (await (await fetch(`${stack.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string }> };
    return data.some((m) => m.id === "hopeless") && data.some((m) => m.id === "ghost");
  }, 10_000, "the routes to be loaded");
  client = new Anthropic({ baseURL: stack.baseUrl, apiKey: "unused", maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await kv?.close();
  await stack?.stop();
  await Promise.all([up, flaky].map((s) => s?.close()));
});

const ask = {
  model: "ghost",
  max_tokens: 8,
  system: "Be brief.",
  messages: [{ role: "user" as const, content: "Tell me a story" }],
  stop_sequences: ["THE END"],
};

describe("a route's upstream step", () => {
  it("is sent the OpenAI chat body of the request, and its answer comes back as a message", async () => {
    up.behave(defaultBehaviour);
    const message = await client.messages.create(ask);
    expect(message).toMatchObject({ type: "message", model: "ghost", content: [{ type: "text", text: UPSTREAM_TEXT.join("") }], stop_reason: "end_turn" });
    expect(message.usage).toMatchObject({ input_tokens: 7, output_tokens: 4 });
    expect(up.requests.at(-1)!.body).toEqual({
      model: "upstream-model",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Tell me a story" },
      ],
      max_tokens: 8,
      stop: ["THE END"],
    });
  });

  it("streams the upstream's chunks as Anthropic's events", async () => {
    up.behave(defaultBehaviour);
    let streamed = "";
    const stream = client.messages.stream(ask);
    stream.on("text", (text) => (streamed += text));
    const final = await stream.finalMessage();
    expect(streamed).toBe(UPSTREAM_TEXT.join(""));
    expect(final).toMatchObject({ stop_reason: "end_turn", usage: { input_tokens: 7, output_tokens: 4 } });
    expect(up.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("a call the upstream makes comes back as a tool_use block", async () => {
    up.behave((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const call = { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } };
      res.end(JSON.stringify({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [call] }, finish_reason: "tool_calls" }], usage: { prompt_tokens: 9, completion_tokens: 5 } }));
    });
    const weather = { name: "get_weather", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } };
    const message = await client.messages.create({ ...ask, tools: [weather], tool_choice: { type: "any" } });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([{ type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "get_weather", input: { city: "Oslo" } }]);
    expect(up.requests.at(-1)!.body).toMatchObject({ tools: [{ type: "function", function: { name: "get_weather", parameters: weather.input_schema } }], tool_choice: "required", parallel_tool_calls: true });
  });

  it("an overloaded upstream is Anthropic's 529 overloaded_error", async () => {
    const err = await client.messages.create({ ...ask, model: "hopeless" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as { status: number }).status).toBe(529);
    expect((err as { error: unknown }).error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });
});
