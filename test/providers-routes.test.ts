import { afterAll, beforeAll, expect, it } from "vitest";
import { openEdgeKv, sseData, streamedText, type EdgeKv } from "./harness/edge-kv.js";
import { startOpenAiUpstream, UPSTREAM_TEXT, UPSTREAM_USAGE, type OpenAiUpstream } from "./harness/openai-upstream.js";
import { connect } from "@nats-io/transport-node";
import { encodeMessage, hashApiKey, KeyPolicy, ModelPrice, natsNames, toModelToken, unrestrictedKeyPolicy } from "@lantern/shared/contracts";
import { usageEventsInStream } from "@lantern/shared/testing";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type TestStack } from "./harness/test-stack.js";
import { openSocket } from "./harness/ws-client.js";

let stack: TestStack;
let worker: InProcessWorker;
let kv: EdgeKv;
/** Answers well. */
let up: OpenAiUpstream;
/** Always overloaded. */
let flaky: OpenAiUpstream;
/** Never answers. */
let silent: OpenAiUpstream;
/** Refuses the request as invalid. */
let picky: OpenAiUpstream;

const post = (path: string, body: Record<string, unknown>) =>
  fetch(`${stack.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const chat = (model: string, extra: Record<string, unknown> = {}) =>
  post("/v1/chat/completions", { model, messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 8, temperature: 0, ...extra });
const upstreamStep = (provider: string, model = "upstream-model", retries = 0, timeoutMs: number | null = null) => ({ provider, model, retries, timeoutMs });
const localStep = (model = BUNDLED_MODEL, timeoutMs: number | null = null) => ({ provider: "local", model, retries: 0, timeoutMs });

beforeAll(async () => {
  up = await startOpenAiUpstream();
  flaky = await startOpenAiUpstream((_req, res) => {
    res.writeHead(503, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "overloaded", type: "server_error", param: null, code: "overloaded" } }));
  });
  silent = await startOpenAiUpstream(() => new Promise(() => {}));
  picky = await startOpenAiUpstream((_req, res) => {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "bad temperature", type: "invalid_request_error", param: "temperature", code: null } }));
  });
  stack = await startTestStack();
  worker = await stack.startWorker();
  kv = await openEdgeKv(stack.nats.url, stack.nats.namespace);
  for (const [name, server] of Object.entries({ up, flaky, silent, picky })) {
    await kv.putProvider({ name, baseUrl: server.baseUrl, apiKey: null, timeoutMs: 5_000 });
  }
  await kv.putRoute({ model: "story-teller", steps: [localStep(), upstreamStep("up")] });
  await kv.putRoute({ model: "ghost", steps: [localStep("no-such-local-model"), upstreamStep("up", "upstream-ghost")] });
  await kv.putRoute({ model: "patient", steps: [upstreamStep("silent", "m", 1, 300), upstreamStep("up")] });
  await kv.putRoute({ model: "persistent", steps: [upstreamStep("flaky", "m", 2), upstreamStep("up")] });
  await kv.putRoute({ model: "hopeless", steps: [upstreamStep("flaky", "m", 1)] });
  await kv.putRoute({ model: "strict", steps: [upstreamStep("picky"), upstreamStep("up")] });
  await waitFor(async () => {
    const { data } = (await (await fetch(`${stack.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string }> };
    return data.some((m) => m.id === "strict");
  }, 10_000, "the routes to be loaded");
});
afterAll(async () => {
  await kv?.close();
  await stack?.stop();
  await Promise.all([up, flaky, silent, picky].map((s) => s?.close()));
});

it("routed models are listed in /v1/models next to the served ones", async () => {
  const { data } = (await (await fetch(`${stack.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string }> };
  const ids = data.map((m) => m.id);
  expect(ids).toEqual(expect.arrayContaining([BUNDLED_MODEL, "story-teller", "ghost", "patient", "persistent", "hopeless", "strict"]));
  expect((await fetch(`${stack.baseUrl}/v1/models/ghost`)).status).toBe(200);
});

it("the first step serves when it can: the local fleet under the step's model", async () => {
  const before = up.requests.length;
  const res = await chat("story-teller");
  expect(res.status).toBe(200);
  expect(res.headers.get("x-lantern-provider")).toBe("local");
  const body = (await res.json()) as { model: string; choices: Array<{ message: { content: string } }> };
  expect(body.model).toBe("story-teller");
  expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
  expect(up.requests.length).toBe(before);

  const streamed = await chat("story-teller", { stream: true });
  expect(streamed.headers.get("x-lantern-provider")).toBe("local");
  const data = await sseData(streamed);
  expect(streamedText(data)).toBe(body.choices[0]!.message.content);
});

it("a local step for a model no worker serves falls through to the upstream, with the step's model in the body", async () => {
  const before = up.requests.length;
  const res = await chat("ghost", { priority: "high" });
  expect(res.status).toBe(200);
  expect(res.headers.get("x-lantern-provider")).toBe("up");
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
  expect(body.choices[0]!.message.content).toBe(UPSTREAM_TEXT.join(""));
  const sent = up.requests[before]!;
  expect(sent.path).toBe("/v1/chat/completions");
  expect(sent.body.model).toBe("upstream-ghost");
  expect(sent.body).not.toHaveProperty("priority");

  const streamed = await chat("ghost", { stream: true });
  expect(streamed.headers.get("x-lantern-provider")).toBe("up");
  expect(streamedText(await sseData(streamed))).toBe(UPSTREAM_TEXT.join(""));

  const legacy = await post("/v1/completions", { model: "ghost", prompt: "Once", max_tokens: 4, temperature: 0 });
  expect(legacy.status).toBe(200);
  expect(up.requests.at(-1)!.path).toBe("/v1/completions");
});

it("a step that times out is retried, then the next step answers", async () => {
  const before = { silent: silent.requests.length, up: up.requests.length };
  const res = await chat("patient");
  expect(res.status).toBe(200);
  expect(res.headers.get("x-lantern-provider")).toBe("up");
  expect(silent.requests.length - before.silent).toBe(2);
  expect(up.requests.length - before.up).toBe(1);
});

it("a step answering 503 is tried 1 + retries times before the next step", async () => {
  const before = { flaky: flaky.requests.length, up: up.requests.length };
  const res = await chat("persistent", { stream: true });
  expect(res.status).toBe(200);
  expect(res.headers.get("x-lantern-provider")).toBe("up");
  expect(streamedText(await sseData(res))).toBe(UPSTREAM_TEXT.join(""));
  expect(flaky.requests.length - before.flaky).toBe(3);
  expect(up.requests.length - before.up).toBe(1);
});

it("when every step fails, the last failure is the answer", async () => {
  const before = flaky.requests.length;
  const res = await chat("hopeless");
  expect(res.status).toBe(503);
  expect(res.headers.get("x-lantern-provider")).toBe("flaky");
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("overloaded");
  expect(flaky.requests.length - before).toBe(2);
});

it("an upstream's refusal of the request itself (400) is not retried elsewhere", async () => {
  const before = up.requests.length;
  const res = await chat("strict");
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { param: string } }).error.param).toBe("temperature");
  expect(up.requests.length).toBe(before);
});

it("a route changed in KV applies live", async () => {
  await kv.putRoute({ model: "strict", steps: [upstreamStep("up")] });
  await waitFor(async () => (await chat("strict")).status === 200, 10_000, "the changed route");
  await kv.deleteRoute("strict");
  await waitFor(async () => (await chat("strict")).status === 404, 10_000, "the deleted route");
});

it("when no worker serves the local step's model any more (503), the upstream answers", async () => {
  await worker.worker.stop();
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { workers: number }).workers === 0, 15_000, "no live worker");
  const direct = await chat(BUNDLED_MODEL);
  expect(direct.status).toBe(503);
  const res = await chat("story-teller");
  expect(res.status).toBe(200);
  expect(res.headers.get("x-lantern-provider")).toBe("up");
});

it("a chat on a socket takes the model's route: it falls over as a request does and streams the upstream's text as frames", async () => {
  const socket = await openSocket(stack.baseUrl, "/v1/ws/chat");
  const ask = async (id: string, model: string) => {
    socket.send({ type: "chat", id, model, content: "Tell me a story", params: { max_tokens: 8, temperature: 0 } });
    const end = await socket.next((f) => f.id === id && (f.type === "done" || f.type === "error"));
    const text = socket.frames.filter((f) => f.id === id && f.type === "delta").map((f) => f.content ?? "").join("");
    return { end, text };
  };
  try {
    // No local worker serves the first step's model: the upstream answers, under the step's model.
    const before = up.requests.length;
    const ghost = await ask("ghost", "ghost");
    expect(ghost.end).toMatchObject({ type: "done", finish_reason: "stop", usage: UPSTREAM_USAGE });
    expect(ghost.text).toBe(UPSTREAM_TEXT.join(""));
    expect(up.requests.slice(before).map((r) => [r.body.model, r.body.stream])).toEqual([["upstream-ghost", true]]);

    // Overloaded three times, then the next step; a refusal that is the client's own is not passed over.
    const persistent = await ask("persistent", "persistent");
    expect(persistent.end.type).toBe("done");
    expect(persistent.text).toBe(UPSTREAM_TEXT.join(""));
    await kv.putRoute({ model: "strict-ws", steps: [upstreamStep("picky"), upstreamStep("up")] });
    await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string }> }).data.some((m) => m.id === "strict-ws"));
    const strict = await ask("strict", "strict-ws");
    expect(strict.end).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "bad temperature", param: "temperature" } });
    const hopeless = await ask("hopeless", "hopeless");
    expect(hopeless.end).toMatchObject({ type: "error", error: { type: "server_error", code: "overloaded" } });

    // The local fleet serves the first step when it can.
    const local = await ask("local", "story-teller");
    expect(local.end.type).toBe("done");
    expect(local.text.length).toBeGreaterThan(0);
  } finally {
    await socket.close();
  }
});

it("a chat on a socket reads an upstream's text whole, however its bytes were cut on the way", async () => {
  const pieces = ["Grüße", " aus", " 東京", " 🎉"];
  const bytewise = await startOpenAiUpstream(async (req, res) => {
    const head = { id: "c", object: "chat.completion.chunk", created: 1, model: String(req.body.model) };
    const events = [
      ...pieces.map((content) => ({ ...head, choices: [{ index: 0, delta: { content }, finish_reason: null }] })),
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      { ...head, choices: [], usage: UPSTREAM_USAGE },
    ];
    const bytes = Buffer.from(`${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("")}data: [DONE]\n\n`);
    res.writeHead(200, { "content-type": "text/event-stream" });
    // Every byte in its own write: characters and event boundaries arrive cut apart.
    for (const byte of bytes) {
      if (res.destroyed) return;
      res.write(Buffer.of(byte));
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  });
  const socket = await openSocket(stack.baseUrl, "/v1/ws/chat");
  try {
    await kv.putProvider({ name: "bytewise", baseUrl: bytewise.baseUrl, apiKey: null, timeoutMs: 5_000 });
    await kv.putRoute({ model: "cut", steps: [upstreamStep("bytewise")] });
    await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string }> }).data.some((m) => m.id === "cut"));
    socket.send({ type: "chat", id: "cut", model: "cut", content: "Say hello", params: { max_tokens: 8 } });
    const end = await socket.next((f) => f.id === "cut" && (f.type === "done" || f.type === "error"));
    expect(end).toMatchObject({ type: "done", finish_reason: "stop", usage: UPSTREAM_USAGE });
    expect(socket.frames.filter((f) => f.id === "cut" && f.type === "delta").map((f) => f.content ?? "").join("")).toBe(pieces.join(""));
  } finally {
    await socket.close();
    await bytewise.close();
  }
});

it("a routed request is charged at the price of the step's model that answered, unless the route's name has its own", async () => {
  const nc = await connect({ servers: stack.nats.url });
  const price = (model: string, inputPerMTokUsd: number, outputPerMTokUsd: number) =>
    kv.buckets.prices.put(toModelToken(model), encodeMessage(ModelPrice, { v: 1, model, inputPerMTokUsd, outputPerMTokUsd }));
  /** What the usage event of one request to the route says it cost, once a request is priced other than `not`. */
  const costOnceNot = async (not: number) => {
    let cost = not;
    await waitFor(async () => {
      const res = await chat("ghost");
      expect(res.status).toBe(200);
      const requestId = res.headers.get("x-request-id");
      let event;
      await waitFor(async () => (event = (await usageEventsInStream(nc, natsNames(stack.nats.namespace))).find((e) => e.requestId === requestId)) !== undefined);
      cost = event!.costUsd;
      return cost !== not;
    }, 10_000, "the price to apply");
    return cost;
  };
  try {
    // The event names the route, though its first (local) step named another model before failing
    // over, and the model of the step that answered.
    const res = await chat("ghost");
    const requestId = res.headers.get("x-request-id");
    await waitFor(async () =>
      (await usageEventsInStream(nc, natsNames(stack.nats.namespace))).some(
        (e) => e.requestId === requestId && e.model === "ghost" && e.servedModel === "upstream-ghost" && e.provider === "up",
      ),
    );
    // Only the upstream step's model is priced: 7 prompt and 4 completion tokens at $1 and $2 per token.
    await price("upstream-ghost", 1_000_000, 2_000_000);
    expect(await costOnceNot(0)).toBeCloseTo(7 + 8, 6);
    // The route's own price, once set, is the one charged.
    await price("ghost", 1_000_000, 1_000_000);
    expect(await costOnceNot(15)).toBeCloseTo(7 + 4, 6);
  } finally {
    await kv.buckets.prices.delete(toModelToken("upstream-ghost"));
    await kv.buckets.prices.delete(toModelToken("ghost"));
    await nc.close();
  }
});

it("a key's budget reserves a routed request at its dearest step's price when the route's name has none", async () => {
  const secret = "sk-routes-budget-0123456789";
  await kv.buckets.prices.put(toModelToken("upstream-ghost"), encodeMessage(ModelPrice, { v: 1, model: "upstream-ghost", inputPerMTokUsd: 1_000_000, outputPerMTokUsd: 1_000_000 }));
  await kv.buckets.keys.put(hashApiKey(secret), encodeMessage(KeyPolicy, unrestrictedKeyPolicy("key_routes_budget", { budget: { amountUsd: 50, period: "month" } })));
  const ask = () =>
    fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: "ghost", messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 8 }),
    });
  try {
    // The body's bytes and max_tokens, at $1 a token, are more than the $50 budget: refused before any step runs.
    await waitFor(async () => (await ask()).status === 429, 10_000, "the key and price to apply");
    // Asks made before the price reached the gateway went upstream; one refused now never does.
    const before = up.requests.length;
    const refused = await ask();
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("insufficient_quota");
    expect(body.error.message).toMatch(/^This request may cost up to \$[\d.]+ .*more than the \$50 left of the \$50 budget/);
    expect(up.requests.length).toBe(before);
  } finally {
    await kv.buckets.keys.delete(hashApiKey(secret));
    await kv.buckets.prices.delete(toModelToken("upstream-ghost"));
    await waitFor(async () => (await chat("ghost")).status === 200, 10_000, "open mode");
  }
});
