import { afterAll, beforeAll, expect, it } from "vitest";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@lantern/gateway";
import { capturingLogger } from "./harness/log-capture.js";
import { openEdgeKv, sseData, streamedText, type EdgeKv } from "./harness/edge-kv.js";
import { defaultBehaviour, startOpenAiUpstream, UPSTREAM_TEXT, UPSTREAM_USAGE, type OpenAiUpstream } from "./harness/openai-upstream.js";
import { encodeMessage, hashApiKey, KeyPolicy, unrestrictedKeyPolicy } from "@lantern/shared/contracts";
import { BUNDLED_MODEL, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";
import { openSocket } from "./harness/ws-client.js";

let stack: TestStack;
let kv: EdgeKv;
let up: OpenAiUpstream;
let questions = 0;

/** A question no earlier test asked, so each test starts from a miss. */
const fresh = (extra: Record<string, unknown> = {}) => ({
  model: "upstream-model",
  messages: [{ role: "user", content: `Question ${++questions}` }],
  temperature: 0,
  ...extra,
});

const post = (baseUrl: string, path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const custom = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  post(stack.baseUrl, "/api/custom/providers/up/chat/completions", body, headers);

/** The answer the first request stored, once its background write landed. */
async function hitOf(send: () => Promise<Response>): Promise<Response> {
  let hit: Response | undefined;
  await waitFor(async () => {
    const res = await send();
    if (res.headers.get("x-lantern-cache") === "hit") hit = res;
    return hit !== undefined;
  }, 10_000, "a cache hit");
  return hit!;
}

beforeAll(async () => {
  up = await startOpenAiUpstream();
  stack = await startTestStack({ gatewayEnv: { GATEWAY_CACHE_TTL_S: "600" } });
  await stack.startWorker();
  kv = await openEdgeKv(stack.nats.url, stack.nats.namespace);
  await kv.putProvider({ name: "up", baseUrl: up.baseUrl, apiKey: null, timeoutMs: 5_000 });
  await waitFor(async () => (await custom(fresh(), { "x-lantern-cache": "bypass" })).ok, 10_000, "provider 'up'");
});
afterAll(async () => {
  await kv?.close();
  await stack?.stop();
  await up?.close();
});

it("a deterministic request misses, is stored, and is then answered from the cache with the same body", async () => {
  const request = fresh();
  const first = await custom(request);
  expect(first.headers.get("x-lantern-cache")).toBe("miss");
  const firstBody = await first.text();
  const calls = up.requests.length;

  const hit = await hitOf(() => custom(request));
  expect(hit.status).toBe(200);
  expect(hit.headers.get("x-lantern-provider")).toBe("up");
  expect(await hit.text()).toBe(firstBody);
  expect(up.requests.length).toBe(calls);
});

it("a streamed request on a hit gets the stored answer replayed as a stream", async () => {
  const request = fresh({ seed: 42, temperature: 0.9 });
  await (await custom(request)).text();
  await hitOf(() => custom(request));
  const calls = up.requests.length;

  const res = await custom({ ...request, stream: true, stream_options: { include_usage: true } });
  expect(res.headers.get("x-lantern-cache")).toBe("hit");
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const data = await sseData(res);
  expect(data.at(-1)).toBe("[DONE]");
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { object: string; choices: Array<{ delta: { role?: string }; finish_reason: string | null }>; usage?: unknown });
  expect(chunks[0]!.object).toBe("chat.completion.chunk");
  expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
  expect(streamedText(data)).toBe(UPSTREAM_TEXT.join(""));
  expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
  expect(chunks.at(-1)).toMatchObject({ choices: [], usage: UPSTREAM_USAGE });
  expect(up.requests.length).toBe(calls);

  const withoutUsage = await sseData(await custom({ ...request, stream: true }));
  expect(withoutUsage.some((d) => d.includes('"usage"'))).toBe(false);
});

it("a streamed answer is stored too, and replays as the body a plain request would have got", async () => {
  const request = fresh();
  const streamed = await custom({ ...request, stream: true });
  expect(streamed.headers.get("x-lantern-cache")).toBe("miss");
  expect(streamedText(await sseData(streamed))).toBe(UPSTREAM_TEXT.join(""));

  const hit = await hitOf(() => custom(request));
  const body = (await hit.json()) as { object: string; choices: Array<{ message: { content: string }; finish_reason: string }>; usage: unknown };
  expect(body.object).toBe("chat.completion");
  expect(body.choices[0]!.message.content).toBe(UPSTREAM_TEXT.join(""));
  expect(body.choices[0]!.finish_reason).toBe("stop");
  expect(body.usage).toEqual(UPSTREAM_USAGE);
});

it("sampled requests are not cached unless forced; bypass skips the cache", async () => {
  const sampled = fresh({ temperature: 0.7 });
  const calls = up.requests.length;
  const a = await custom(sampled);
  const b = await custom(sampled);
  expect(a.headers.get("x-lantern-cache")).toBeNull();
  expect(b.headers.get("x-lantern-cache")).toBeNull();
  expect(up.requests.length).toBe(calls + 2);

  expect((await custom(sampled, { "x-lantern-cache": "force" })).headers.get("x-lantern-cache")).toBe("miss");
  await hitOf(() => custom(sampled, { "x-lantern-cache": "force" }));

  const deterministic = fresh();
  await custom(deterministic);
  await hitOf(() => custom(deterministic));
  const before = up.requests.length;
  const bypassed = await custom(deterministic, { "x-lantern-cache": "bypass" });
  expect(bypassed.headers.get("x-lantern-cache")).toBeNull();
  expect(up.requests.length).toBe(before + 1);

  const bad = await custom(deterministic, { "x-lantern-cache": "sometimes" });
  expect(bad.status).toBe(400);
});

it("failed answers are never stored", async () => {
  up.behave((_req, res) => {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "boom", type: "server_error", param: null, code: null } }));
  });
  const request = fresh();
  try {
    expect((await custom(request)).status).toBe(500);
  } finally {
    up.behave(defaultBehaviour);
  }
  const res = await custom(request);
  expect(res.status).toBe(200);
  expect(res.headers.get("x-lantern-cache")).toBe("miss");
});

it("local answers are cached: /v1/chat/completions and /v1/completions, stored streamed or not", async () => {
  const chat = { model: BUNDLED_MODEL, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 12, temperature: 0 };
  const first = await post(stack.baseUrl, "/v1/chat/completions", chat);
  expect(first.headers.get("x-lantern-cache")).toBe("miss");
  const firstBody = await first.text();
  const hit = await hitOf(() => post(stack.baseUrl, "/v1/chat/completions", chat));
  expect(hit.headers.get("x-lantern-provider")).toBe("local");
  expect(hit.headers.get("x-lantern-worker")).toBeNull();
  expect(await hit.text()).toBe(firstBody);
  const replayed = await post(stack.baseUrl, "/v1/chat/completions", { ...chat, stream: true });
  expect(streamedText(await sseData(replayed))).toBe((JSON.parse(firstBody) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content);

  const text = { model: BUNDLED_MODEL, prompt: "The little dog", max_tokens: 12, seed: 7 };
  const streamed = await post(stack.baseUrl, "/v1/completions", { ...text, stream: true });
  expect(streamed.headers.get("x-lantern-cache")).toBe("miss");
  const streamedOut = streamedText(await sseData(streamed));
  const textHit = await hitOf(() => post(stack.baseUrl, "/v1/completions", text));
  const textBody = (await textHit.json()) as { object: string; choices: Array<{ text: string }>; usage: { completion_tokens: number } };
  expect(textBody.object).toBe("text_completion");
  expect(textBody.choices[0]!.text).toBe(streamedOut);
  expect(textBody.usage.completion_tokens).toBeGreaterThan(0);
});

it("an answer that came through a route is cached with the provider that gave it", async () => {
  await kv.putRoute({ model: "routed-cached", steps: [{ provider: "up", model: "upstream-model", retries: 0, timeoutMs: null }] });
  const chat = { model: "routed-cached", messages: [{ role: "user", content: "Hi there" }], temperature: 0 };
  await waitFor(async () => (await post(stack.baseUrl, "/v1/chat/completions", chat, { "x-lantern-cache": "bypass" })).ok, 10_000, "the route");
  const first = await post(stack.baseUrl, "/v1/chat/completions", { ...chat, stream: true });
  expect(first.headers.get("x-lantern-cache")).toBe("miss");
  expect(first.headers.get("x-lantern-provider")).toBe("up");
  await sseData(first);
  const hit = await hitOf(() => post(stack.baseUrl, "/v1/chat/completions", chat));
  expect(hit.headers.get("x-lantern-provider")).toBe("up");
  expect(((await hit.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe(UPSTREAM_TEXT.join(""));
});

it("a chat on a socket shares the cache with /v1/chat/completions: a hit replays the kept answer as frames", async () => {
  const messages = [{ role: "user", content: "The old cat" }];
  const first = await post(stack.baseUrl, "/v1/chat/completions", { model: BUNDLED_MODEL, messages, max_tokens: 12, temperature: 0 });
  expect(first.headers.get("x-lantern-cache")).toBe("miss");
  const answer = ((await first.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
  await hitOf(() => post(stack.baseUrl, "/v1/chat/completions", { model: BUNDLED_MODEL, messages, max_tokens: 12, temperature: 0 }));

  const socket = await openSocket(stack.baseUrl, "/v1/ws/chat");
  try {
    socket.send({ type: "chat", id: "cached", model: BUNDLED_MODEL, messages, params: { max_tokens: 12, temperature: 0 } });
    const done = await socket.next((f) => f.id === "cached" && (f.type === "done" || f.type === "error"));
    expect(done.type, JSON.stringify(done)).toBe("done");
    const text = socket.frames.filter((f) => f.id === "cached" && f.type === "delta").map((f) => f.content ?? "").join("");
    expect(text).toBe(answer);
    // Replayed, not generated: no frame names a place to resume from.
    expect(socket.frames.some((f) => f.id === "cached" && f.seq !== undefined)).toBe(false);

    // A socket's own deterministic answer is kept for the next asker, over HTTP too.
    const own = [{ role: "user", content: "The brave mouse" }];
    socket.send({ type: "chat", id: "kept", model: BUNDLED_MODEL, messages: own, params: { max_tokens: 12, seed: 3 } });
    await socket.next((f) => f.id === "kept" && f.type === "done");
    const generated = socket.frames.filter((f) => f.id === "kept" && f.type === "delta").map((f) => f.content ?? "").join("");
    const hit = await hitOf(() => post(stack.baseUrl, "/v1/chat/completions", { model: BUNDLED_MODEL, messages: own, max_tokens: 12, seed: 3 }));
    expect(((await hit.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe(generated);
  } finally {
    await socket.close();
  }
});

it("an answer expires after its TTL", async () => {
  const capture = capturingLogger("gateway");
  const shortLived: RunningGateway = await startGateway(
    loadGatewayConfig({ NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, GATEWAY_PORT: "0", GATEWAY_CACHE_TTL_S: "1" }),
    capture.logger,
  );
  try {
    const request = fresh({ model: "expiring-model" });
    const send = () => post(shortLived.url, "/api/custom/providers/up/chat/completions", request);
    await waitFor(async () => (await send()).status === 200, 10_000, "provider 'up' on the second gateway");
    // Hit while young, then a miss once the second is over.
    await hitOf(send);
    await waitFor(async () => (await send()).headers.get("x-lantern-cache") === "miss", 10_000, "the entry to expire");
  } finally {
    await shortLived.stop(1_000);
  }
});

it("each API key has its own entries, and takes none older than its own TTL", async () => {
  const secrets = { a: "sk-cache-key-a-0123456789", b: "sk-cache-key-b-0123456789" };
  const putKey = (secret: string, keyId: string, ttlSeconds: number) =>
    kv.buckets.keys.put(hashApiKey(secret), encodeMessage(KeyPolicy, unrestrictedKeyPolicy(keyId, { cache: { ttlSeconds } })));
  const request = fresh();
  const as = (secret: string) => () => custom(request, { authorization: `Bearer ${secret}` });
  const known = (secret: string) =>
    waitFor(async () => (await fetch(`${stack.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status === 200, 10_000, "the key");
  await putKey(secrets.a, "key_cache_a", 600);
  await putKey(secrets.b, "key_cache_b", 600);
  try {
    await known(secrets.a);
    await known(secrets.b);
    expect((await as(secrets.a)()).headers.get("x-lantern-cache")).toBe("miss");
    await hitOf(as(secrets.a));

    // The same question under another key is that key's own miss, answered by the upstream.
    const calls = up.requests.length;
    const other = await as(secrets.b)();
    expect(other.headers.get("x-lantern-cache")).toBe("miss");
    expect(up.requests.length).toBe(calls + 1);

    // Key a's TTL drops to 1 s: its answer stored for 600 s is now too old for it.
    await putKey(secrets.a, "key_cache_a", 1);
    await waitFor(async () => (await as(secrets.a)()).headers.get("x-lantern-cache") === "miss", 10_000, "a miss under the shorter TTL");
  } finally {
    await kv.buckets.keys.delete(hashApiKey(secrets.a));
    await kv.buckets.keys.delete(hashApiKey(secrets.b));
    // No key left at all: open mode again, for whatever runs after.
    await waitFor(async () => (await custom(fresh(), { "x-lantern-cache": "bypass" })).ok, 10_000, "open mode");
  }
});
