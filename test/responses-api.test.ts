import OpenAI from "openai";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { hashApiKey, natsNames, unrestrictedKeyPolicy, type UsageEvent } from "@lantern/shared/contracts";
import { ensureEdgeBuckets } from "@lantern/shared/nats";
import { usageEventsInStream } from "@lantern/shared/testing";
import { sdkClient } from "./harness/sdk-stack.js";
import { startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type SpawnedGateway, type TestStack } from "./harness/test-stack.js";
import { weatherParams } from "./harness/tool-fixtures.js";
import { openEdgeKv, type EdgeKv } from "./harness/edge-kv.js";
import { startOpenAiUpstream, UPSTREAM_TEXT, UPSTREAM_USAGE, type OpenAiUpstream } from "./harness/openai-upstream.js";

/*
 * OpenAI's Responses API through the official SDK: a real model on the fleet, stored responses
 * in a real orchestrator, continued across two calls and two gateways.
 */

let stack: TestStack;
let orchestrator: TestOrchestrator;
let other: SpawnedGateway;
let worker: InProcessWorker;
let nc: NatsConnection;
let client: OpenAI;
/** Two keys (the gateway runs without requiring one, but a key sent still names its owner). */
let alice: OpenAI;
let bob: OpenAI;
/** An OpenAI-compatible provider behind the route `remote`, which a route step asks in chat's terms. */
let up: OpenAiUpstream;
let kv: EdgeKv;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "off" } });
  [other, orchestrator, worker] = await Promise.all([
    stack.spawnGateway(),
    startTestOrchestrator(stack.nats, { ORCHESTRATOR_TASK_CONCURRENCY: "0" }),
    stack.startWorker({ INFERENCE_SLOTS: "2" }),
  ]);
  // The Qwen 3.5 template opens every reply in a thought segment: what the model writes first is its reasoning.
  await stack.startWorker({ INFERENCE_MODELS: `${THINKER}=stories260K.gguf`, INFERENCE_CHAT_WRAPPER: "qwen3.5", INFERENCE_SLOTS: "1" });
  nc = await connect({ servers: stack.nats.url });
  up = await startOpenAiUpstream();
  kv = await openEdgeKv(stack.nats.url, stack.nats.namespace);
  await kv.putProvider({ name: "up", baseUrl: up.baseUrl, apiKey: null, timeoutMs: 5_000 });
  await kv.putRoute({ model: "remote", steps: [{ provider: "up", model: "upstream-model", retries: 0, timeoutMs: null }] });
  const { keys } = await ensureEdgeBuckets(nc, natsNames(stack.nats.namespace));
  const secrets = ["sk-alice", "sk-bob"].map((s) => `${s}-${Math.random().toString(36).slice(2)}`);
  for (const [i, secret] of secrets.entries()) await keys.put(hashApiKey(secret), JSON.stringify(unrestrictedKeyPolicy(`key_responses_${i}`, { name: secret })));
  client = sdkClient(stack.baseUrl);
  const keyed = (apiKey: string) => new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey, maxRetries: 0 });
  alice = keyed(secrets[0]!);
  bob = keyed(secrets[1]!);
  await waitFor(async () => (await alice.responses.create({ model: BUNDLED_MODEL, input: "Hi", max_output_tokens: 1 }).then(() => true, () => false)));
}, 60_000);

afterAll(async () => {
  await kv?.close();
  await up?.close();
  await nc?.close();
  await orchestrator?.stop();
  await stack?.stop();
});

const THINKER = "stories-thinker";
const story = { model: BUNDLED_MODEL, input: "Once upon a time", max_output_tokens: 24, temperature: 0, seed: 11 } as const;
const requestIdOf = (response: { id: string }) => `req_${response.id.slice("resp_".length)}`;

async function usageOf(response: { id: string }): Promise<UsageEvent> {
  const requestId = requestIdOf(response);
  let event: UsageEvent | undefined;
  await waitFor(async () => (event = (await usageEventsInStream(nc, natsNames(stack.nats.namespace))).find((e) => e.requestId === requestId)) !== undefined);
  return event!;
}

describe("/v1/responses", () => {
  it("answers text whole and streamed alike for a fixed seed, with OpenAI's events in order, counted like chat completions", async () => {
    const whole = await client.responses.create(story);
    expect(whole).toMatchObject({ object: "response", model: BUNDLED_MODEL, status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
    expect(whole.output).toHaveLength(1);
    expect(whole.output[0]).toMatchObject({ type: "message", role: "assistant", content: [{ type: "output_text" }] });
    expect(whole.output_text.length).toBeGreaterThan(10);
    expect(whole.usage).toMatchObject({ output_tokens: 24, total_tokens: whole.usage!.input_tokens + 24, input_tokens_details: { cached_tokens: expect.any(Number) } });

    const stream = client.responses.stream(story);
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    // The SDK's output_text is its own convenience, made for whole responses only.
    const final = await stream.finalResponse();
    expect(final.output.flatMap((item) => (item.type === "message" ? item.content.map((part) => (part.type === "output_text" ? part.text : "")) : [])).join("")).toBe(whole.output_text);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = [...new Set(events.map((e) => e.type))];
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.incomplete",
    ]);
    const deltas = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : []));
    expect(deltas.join("")).toBe(whole.output_text);
    const last = events.at(-1) as OpenAI.Responses.ResponseIncompleteEvent;
    expect(last.response.usage).toMatchObject({ output_tokens: 24 });

    const [wholeUsage, streamUsage] = await Promise.all([usageOf(whole), usageOf(last.response)]);
    expect(wholeUsage).toMatchObject({ path: "/v1/responses", status: 200, stream: false, model: BUNDLED_MODEL, promptTokens: whole.usage!.input_tokens, completionTokens: 24 });
    expect(streamUsage).toMatchObject({ path: "/v1/responses", status: 200, stream: true, completionTokens: 24 });
  });

  it("follows a JSON schema given as text.format", async () => {
    const schema = { type: "object", properties: { name: { type: "string", maxLength: 12 }, kind: { enum: ["cat", "dog"] } }, required: ["name", "kind"], additionalProperties: false };
    const res = await client.responses.create({ ...story, max_output_tokens: 80, text: { format: { type: "json_schema", name: "pet", schema, strict: true } } });
    expect(res.status).toBe("completed");
    const pet = z.object({ name: z.string().max(12), kind: z.enum(["cat", "dog"]) }).strict().parse(JSON.parse(res.output_text));
    expect(pet.kind).toMatch(/cat|dog/);
  });

  it("round-trips a forced function call: function_call, then its output, then an answer", async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [{ type: "function", name: "get_weather", parameters: weatherParams, strict: true }];
    const ask = { model: BUNDLED_MODEL, tools, temperature: 0.8, seed: 4 };
    const first = await client.responses.create({ ...ask, input: "What is the weather in Paris?", tool_choice: { type: "function", name: "get_weather" } });
    expect(first.status).toBe("completed");
    const call = first.output.find((item) => item.type === "function_call")!;
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", call_id: expect.stringMatching(/^call_/), status: "completed" });
    z.object({ city: z.string().max(20), days: z.number().int(), unit: z.enum(["celsius", "fahrenheit"]) }).parse(JSON.parse(call.arguments));

    const output = { type: "function_call_output" as const, call_id: call.call_id, output: JSON.stringify({ sky: "sunny", celsius: 21 }) };
    const answer = await client.responses.create({ ...ask, previous_response_id: first.id, input: [output], max_output_tokens: 12, temperature: 0 });
    expect(answer.output.at(-1)).toMatchObject({ type: "message", role: "assistant" });
    expect(answer.output_text.length).toBeGreaterThan(0);
    // The same turns sent by hand, unstored, make the same prompt.
    const byHand = await client.responses.create({ ...ask, store: false, input: [{ role: "user", content: "What is the weather in Paris?" }, ...first.output, output], max_output_tokens: 12, temperature: 0 });
    expect(byHand.usage!.input_tokens).toBe(answer.usage!.input_tokens);
    await expect(client.responses.retrieve(byHand.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);

    const stream = client.responses.stream({ ...ask, input: "What is the weather in Paris?", tool_choice: "required" });
    const types = new Set<string>();
    for await (const event of stream) types.add(event.type);
    const streamed = (await stream.finalResponse()).output.find((item) => item.type === "function_call")!;
    expect(JSON.parse(streamed.arguments)).toBeTypeOf("object");
    for (const type of ["response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done", "response.completed"]) expect(types).toContain(type);
  });

  it("continues a conversation with previous_response_id, on another gateway too; retrieves, lists input items and deletes", async () => {
    const first = await client.responses.create({ ...story, input: "Once upon a time there was a cat.", instructions: "Tell a story." });
    const turn = { ...story, input: "What did the cat do?" };
    const alone = await client.responses.create(turn);
    const second = await client.responses.create({ ...turn, previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.usage!.input_tokens).toBeGreaterThan(alone.usage!.input_tokens);
    const elsewhere = await sdkClient(other.url).responses.create({ ...turn, previous_response_id: first.id });
    expect(elsewhere.usage!.input_tokens).toBe(second.usage!.input_tokens);
    expect(elsewhere.output_text).toBe(second.output_text);

    const kept = await client.responses.retrieve(first.id);
    expect(kept).toMatchObject({ id: first.id, status: first.status, instructions: "Tell a story.", output: first.output });
    const items = await client.responses.inputItems.list(first.id);
    expect(items.data).toEqual([{ id: expect.any(String), type: "message", role: "user", status: "completed", content: [{ type: "input_text", text: "Once upon a time there was a cat." }] }]);

    await client.responses.delete(first.id);
    await expect(client.responses.retrieve(first.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.create({ ...turn, previous_response_id: first.id })).rejects.toMatchObject({ status: 404, param: "previous_response_id" });
  });

  it("keeps a key's responses from another key: 404 in OpenAI's error shape", async () => {
    const mine = await alice.responses.create(story);
    expect((await alice.responses.retrieve(mine.id)).id).toBe(mine.id);
    await expect(bob.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404, error: { type: "not_found_error", code: "response_not_found" } });
    await expect(bob.responses.delete(mine.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(bob.responses.create({ ...story, previous_response_id: mine.id })).rejects.toMatchObject({ status: 404, param: "previous_response_id" });
  });

  it("returns thoughts as a reasoning item before the message, reasoning.effort setting the thought budget", async () => {
    const ask = { model: THINKER, input: "Once upon a time", max_output_tokens: 90, temperature: 0, seed: 1, reasoning: { effort: "minimal" as const } };
    const whole = await client.responses.create(ask);
    expect(whole.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    const thought = (whole.output[0] as OpenAI.Responses.ResponseReasoningItem).content![0]!;
    expect(thought).toMatchObject({ type: "reasoning_text", text: expect.stringMatching(/\S/) });
    expect(whole.output_text).not.toContain("think>");
    const stream = client.responses.stream(ask);
    let reasoning = "";
    for await (const event of stream) if (event.type === "response.reasoning_text.delta") reasoning += event.delta;
    expect(reasoning).toBe(thought.text);
  });

  it("asks a route's upstream in OpenAI chat's terms and answers its reply, whole or streamed, as a Response", async () => {
    await waitFor(async () => (await client.models.list()).data.some((m) => m.id === "remote"), 10_000, "the route to be loaded");
    const before = up.requests.length;
    const whole = await client.responses.create({ model: "remote", instructions: "Be kind.", input: "Hello?", max_output_tokens: 8 });
    expect(whole).toMatchObject({ model: "remote", status: "completed", usage: { input_tokens: UPSTREAM_USAGE.prompt_tokens, output_tokens: UPSTREAM_USAGE.completion_tokens } });
    expect(whole.output_text).toBe(UPSTREAM_TEXT.join(""));
    expect(up.requests[before]).toMatchObject({
      path: "/v1/chat/completions",
      body: { model: "upstream-model", max_tokens: 8, messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "Hello?" }] },
    });
    const stream = client.responses.stream({ model: "remote", input: "Hello?", previous_response_id: whole.id });
    const deltas: string[] = [];
    for await (const event of stream) if (event.type === "response.output_text.delta") deltas.push(event.delta);
    expect(deltas.join("")).toBe(UPSTREAM_TEXT.join(""));
    expect((await stream.finalResponse()).usage).toMatchObject({ output_tokens: UPSTREAM_USAGE.completion_tokens });
    expect((up.requests.at(-1)!.body.messages as unknown[]).length).toBe(3);
  });

  it("cancels the job when a streaming client goes away", async () => {
    const aborter = new AbortController();
    const body = JSON.stringify({ model: BUNDLED_MODEL, input: "Once upon a time", max_output_tokens: 1800, stream: true, store: false });
    const res = await fetch(`${stack.baseUrl}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body, signal: aborter.signal });
    const requestId = res.headers.get("x-request-id");
    await res.body!.getReader().read();
    aborter.abort();
    await waitFor(() => worker.logs.some((l) => l.requestId === requestId && l.msg === "job finished"));
    const finished = worker.logs.find((l) => l.requestId === requestId && l.msg === "job finished")!;
    expect(finished.finishReason).toBe("cancelled");
    expect(finished.completionTokens as number).toBeLessThan(1800);
  });

  it("refuses, by name, what it cannot honour", async () => {
    const refused = async (body: Record<string, unknown>) => {
      const res = await fetch(`${stack.baseUrl}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: BUNDLED_MODEL, ...body }) });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { param: string } }).error.param;
    };
    const image = { type: "input_image", image_url: "https://example.com/cat.png" };
    expect(await refused({ input: [{ role: "user", content: [{ type: "input_text", text: "What is this?" }, image] }] })).toBe("input[0].content[1].type");
    expect(await refused({ input: "Hi", tools: [{ type: "web_search" }] })).toBe("tools[0].type");
    expect(await refused({ input: "Hi", background: true })).toBe("background");
    expect(await refused({ input: [{ type: "item_reference", id: "msg_1" }] })).toBe("input[0].type");
    expect(await refused({ input: [{ type: "function_call_output", call_id: "call_x", output: "{}" }] })).toBe("input[0].call_id");
    expect(await refused({ input: "Hi", text: { format: { type: "json_schema", name: "x", schema: { type: "object", properties: { n: { type: "number", multipleOf: 0.5 } } } } } })).toBe("text.format.schema");
  });
});
