import { createServer } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openEdgeKv, sseData, streamedText, type EdgeKv } from "../../../../test/harness/edge-kv.js";
import { defaultBehaviour, drainedOrClosed, jsonAnswer, startOpenAiUpstream, streamAnswer, UPSTREAM_TEXT, UPSTREAM_USAGE, type OpenAiUpstream } from "../../../../test/harness/openai-upstream.js";
import { startTestStack, waitFor, type TestStack } from "../../../../test/harness/test-stack.js";

let stack: TestStack;
let kv: EdgeKv;
let upstream: OpenAiUpstream;
const PROVIDER_KEY = "sk-upstream-secret";
/** The gateway's GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES here, small enough for a test upstream to pass. */
const ANSWER_LIMIT = 64 * 1024;
/** A web page allowed to call this gateway (GATEWAY_CORS_ORIGINS). */
const PAGE_ORIGIN = "https://chat.example";

const chat = (provider: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${stack.baseUrl}/api/custom/providers/${provider}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer client-own-key", ...headers },
    body: JSON.stringify(body),
  });

const hello = { model: "upstream-model", messages: [{ role: "user", content: "Hi" }] };

/** A port on loopback that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  upstream = await startOpenAiUpstream();
  stack = await startTestStack({ gatewayEnv: { GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES: String(ANSWER_LIMIT), GATEWAY_CORS_ORIGINS: PAGE_ORIGIN } });
  kv = await openEdgeKv(stack.nats.url, stack.nats.namespace);
  await kv.putProvider({ name: "up", baseUrl: upstream.baseUrl, apiKey: PROVIDER_KEY, timeoutMs: 2_000 });
  await waitFor(async () => (await chat("up", hello)).ok, 10_000, "the provider to be known");
});
afterAll(async () => {
  await kv?.close();
  await stack?.stop();
  await upstream?.close();
});

it("proxies a non-streamed chat completion with the provider's key, never the client's", async () => {
  const before = upstream.requests.length;
  const res = await chat("up", { ...hello, temperature: 0.3, custom_field: "kept" });
  expect(res.status).toBe(200);
  expect(res.headers.get("x-lantern-provider")).toBe("up");
  expect(res.headers.get("x-request-id")).toMatch(/^req/);
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; usage: unknown; model: string };
  expect(body.choices[0]!.message.content).toBe(UPSTREAM_TEXT.join(""));
  expect(body.usage).toEqual(UPSTREAM_USAGE);
  expect(body.model).toBe("upstream-model");

  const seen = upstream.requests[before]!;
  expect(seen.path).toBe("/v1/chat/completions");
  expect(seen.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  expect(seen.body).toEqual({ ...hello, temperature: 0.3, custom_field: "kept" });
});

it("streams chunk by chunk, asking the upstream for usage and cutting that chunk when the client did not ask", async () => {
  const before = upstream.requests.length;
  const res = await chat("up", { ...hello, stream: true });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  expect(res.headers.get("x-lantern-provider")).toBe("up");
  const data = await sseData(res);
  expect(streamedText(data)).toBe(UPSTREAM_TEXT.join(""));
  expect(data.at(-1)).toBe("[DONE]");
  expect(data.some((d) => d.includes('"usage":{'))).toBe(false);
  expect(upstream.requests[before]!.body.stream_options).toEqual({ include_usage: true });
});

it("passes the usage chunk on when the client asked for it", async () => {
  const res = await chat("up", { ...hello, stream: true, stream_options: { include_usage: true } });
  const data = await sseData(res);
  const usage = data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as { usage?: unknown; choices: unknown[] }).filter((c) => c.usage);
  expect(usage).toHaveLength(1);
  expect(usage[0]).toMatchObject({ choices: [], usage: UPSTREAM_USAGE });
});

it("relays each chunk as it comes, not at the end of the stream", async () => {
  // The upstream writes its second piece only once the client has read the first through the gateway.
  let firstRead!: () => void;
  const gate = new Promise<void>((resolve) => (firstRead = resolve));
  upstream.behave(async (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "one" }, finish_reason: null }] })}\n\n`);
    await gate;
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: " two" }, finish_reason: "stop" }] })}\n\n`);
    res.end("data: [DONE]\n\n");
  });
  try {
    const res = await chat("up", { ...hello, stream: true });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes('"one"')) text += decoder.decode((await reader.read()).value);
    expect(text).not.toContain("two");
    firstRead();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toContain('" two"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  } finally {
    upstream.behave(defaultBehaviour);
  }
});

it("a client that leaves mid-stream closes the upstream call", async () => {
  upstream.behave((req, res) => streamAnswer(req, res, Array.from({ length: 1000 }, (_, i) => ` w${i}`), 100));
  try {
    const before = upstream.requests.length;
    const res = await chat("up", { ...hello, stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    // Without the cancel reaching the upstream this would take the whole 100 s stream.
    await upstream.requests[before]!.closed;
    expect(upstream.requests[before]!.body.stream).toBe(true);
  } finally {
    upstream.behave(defaultBehaviour);
  }
});

it("answers written straight to the socket carry the headers set on the way: CORS for an allowed page, request id, provider", async () => {
  for (const stream of [false, true]) {
    const res = await chat("up", { ...hello, stream }, { origin: PAGE_ORIGIN });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin"), `stream: ${stream}`).toBe(PAGE_ORIGIN);
    expect(res.headers.get("access-control-expose-headers")).toContain("x-lantern-provider");
    expect(res.headers.get("x-request-id")).toMatch(/^req/);
    expect(res.headers.get("x-lantern-provider")).toBe("up");
    await res.arrayBuffer();
  }
  const elsewhere = await chat("up", hello, { origin: "https://other.example" });
  expect(elsewhere.headers.get("access-control-allow-origin")).toBeNull();
  await elsewhere.arrayBuffer();
});

it("a client that leaves before a whole answer came closes the upstream call", async () => {
  // A provider whose own timeout outlasts the test: only the client leaving can end the call.
  await kv.putProvider({ name: "patient", baseUrl: upstream.baseUrl, apiKey: null, timeoutMs: 600_000 });
  await waitFor(async () => (await chat("patient", hello)).ok, 10_000, "the provider to be known");
  upstream.behave(() => {
    // Never answers.
  });
  try {
    const before = upstream.requests.length;
    const leaving = new AbortController();
    const res = fetch(`${stack.baseUrl}/api/custom/providers/patient/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(hello),
      signal: leaving.signal,
    });
    await waitFor(async () => upstream.requests.length > before, 5_000, "the upstream to get the call");
    leaving.abort();
    await expect(res).rejects.toThrow();
    await upstream.requests[before]!.closed;
  } finally {
    upstream.behave(defaultBehaviour);
  }
});

it("passes upstream errors on with their status and OpenAI body", async () => {
  const error = { error: { message: "model 'x' is unknown", type: "invalid_request_error", param: "model", code: "model_not_found" } };
  upstream.behave((_req, res) => {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify(error));
  });
  try {
    const res = await chat("up", hello);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(error);

    upstream.behave((_req, res) => {
      res.writeHead(429, { "content-type": "text/plain", "retry-after": "7" });
      res.end("slow down");
    });
    const limited = await chat("up", hello);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    const body = (await limited.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "upstream_error" });
    expect(body.error.message).toContain("slow down");
  } finally {
    upstream.behave(defaultBehaviour);
  }
});

it("an upstream answer larger than the gateway takes is a 502, read no further, and the gateway goes on serving", async () => {
  const tooLarge = {
    error: { message: `The upstream provider 'up' sent an answer larger than ${ANSWER_LIMIT} bytes.`, type: "server_error", param: null, code: "upstream_response_too_large" },
  };
  try {
    // Declared up front, then sent without a length: both are cut off at the limit.
    upstream.behave((req, res) => jsonAnswer(req, res, "x".repeat(ANSWER_LIMIT)));
    const declared = await chat("up", hello);
    expect(declared.status).toBe(502);
    expect(await declared.json()).toEqual(tooLarge);

    upstream.behave(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      // Endless: only the gateway hanging up ends it.
      while (!res.destroyed) {
        if (!res.write(`{"pad":"${"y".repeat(1000)}"},`)) await drainedOrClosed(res);
      }
    });
    const endless = await chat("up", hello);
    expect(endless.status).toBe(502);
    expect(await endless.json()).toEqual(tooLarge);
    await upstream.requests.at(-1)!.closed;

    // A stream may run as long as it likes; one event of it may not outgrow the limit.
    upstream.behave(async (req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: req.body.model, choices: [{ index: 0, delta: { content: "Hello" }, finish_reason: null }] })}\n\n`);
      res.write(`data: {"pad":"${"z".repeat(2 * ANSWER_LIMIT)}`);
    });
    const stream = await chat("up", { ...hello, stream: true });
    expect(stream.status).toBe(200);
    const data = await sseData(stream);
    expect(streamedText(data.slice(0, 1))).toBe("Hello");
    expect(JSON.parse(data.at(-1)!)).toEqual({
      error: { ...tooLarge.error, message: `The upstream provider 'up' sent a stream event larger than ${ANSWER_LIMIT} bytes.` },
    });
  } finally {
    upstream.behave(defaultBehaviour);
  }
  expect((await chat("up", hello)).status).toBe(200);
});

it("a provider that leads back to the gateway is stopped after a few gateways with 508 loop_detected", async () => {
  await kv.putProvider({ name: "self", baseUrl: `${stack.baseUrl}/api/custom/providers/self`, apiKey: null, timeoutMs: 5_000 });
  let res: Response | undefined;
  await waitFor(async () => (res = await chat("self", hello)).status !== 404, 10_000, "provider 'self'");
  expect(res!.status).toBe(508);
  const { error } = (await res!.json()) as { error: { type: string; code: string; message: string } };
  expect(error).toMatchObject({ type: "server_error", code: "loop_detected" });
  expect(error.message).toMatch(/already passed through 8 Lantern gateways/);
});

it("an unknown provider is a 404 in the OpenAI shape", async () => {
  const res = await chat("nobody", hello);
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({
    error: { message: "No upstream provider is named 'nobody'.", type: "invalid_request_error", param: null, code: "provider_not_found" },
  });
});

it("an upstream that cannot be reached is a 502, one that does not answer in time a 504", async () => {
  await kv.putProvider({ name: "down", baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, apiKey: null, timeoutMs: 2_000 });
  await waitFor(async () => (await chat("down", hello)).status !== 404, 10_000, "provider 'down'");
  const down = await chat("down", hello);
  expect(down.status).toBe(502);
  expect(((await down.json()) as { error: { code: string; type: string } }).error).toMatchObject({ type: "server_error", code: "upstream_unreachable" });

  const slow = await startOpenAiUpstream(() => new Promise(() => {}));
  try {
    await kv.putProvider({ name: "slow", baseUrl: slow.baseUrl, apiKey: null, timeoutMs: 300 });
    await waitFor(async () => (await chat("slow", hello)).status !== 404, 10_000, "provider 'slow'");
    const res = await chat("slow", hello);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string; type: string } }).error).toMatchObject({ type: "timeout_error", code: "upstream_timeout" });
  } finally {
    await slow.close();
  }
});

it("a provider changed in KV applies without a restart", async () => {
  const other = await startOpenAiUpstream((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: req.body.model, choices: [], usage: UPSTREAM_USAGE }));
  });
  try {
    await kv.putProvider({ name: "moving", baseUrl: upstream.baseUrl, apiKey: null, timeoutMs: 2_000 });
    await waitFor(async () => (await chat("moving", hello)).ok, 10_000, "provider 'moving'");
    await kv.putProvider({ name: "moving", baseUrl: other.baseUrl, apiKey: "sk-other", timeoutMs: 2_000 });
    await waitFor(async () => (await chat("moving", hello)).ok && other.requests.length > 0, 10_000, "the new base URL");
    expect(other.requests.at(-1)!.headers.authorization).toBe("Bearer sk-other");
  } finally {
    await other.close();
  }
});

it("bad JSON is a 400 in the OpenAI shape", async () => {
  const res = await fetch(`${stack.baseUrl}/api/custom/providers/up/chat/completions`, { method: "POST", body: "{nope" });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
});
