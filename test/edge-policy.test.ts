import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@lantern/gateway";
import { hashApiKey, natsNames, toModelToken, unrestrictedKeyPolicy, type UsageEvent, type KeyPolicy, type ModelPrice } from "@lantern/shared/contracts";
import { usageEventsInStream } from "@lantern/shared/testing";
import { ensureEdgeBuckets, type EdgeBuckets } from "@lantern/shared/nats";
import { capturingLogger } from "./harness/log-capture.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

/*
 * Keys, limits, budgets and usage events at the edge, with two gateway replicas on one NATS
 * namespace and real workers: stories260K, and the synthetic engine where a request must be held
 * open for as long as the test decides.
 */

const SLOW_MODEL = "edge-slow";

let stack: TestStack;
let second: RunningGateway;
let nc: NatsConnection;
let keys: EdgeBuckets["keys"];
let prices: EdgeBuckets["prices"];
let gateways: string[];

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto" } });
  await stack.startWorker();
  await stack.spawnWorker({ INFERENCE_ENGINE: "synthetic", INFERENCE_SYNTHETIC_MODEL: SLOW_MODEL, INFERENCE_SYNTHETIC_TOKENS_PER_S: "20", INFERENCE_SLOTS: "16" });
  second = await startGateway(
    loadGatewayConfig({ NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, GATEWAY_PORT: "0", WORKER_HEARTBEAT_TTL_MS: "3000", GATEWAY_AUTH: "auto" }),
    capturingLogger("gateway-2").logger,
  );
  gateways = [stack.baseUrl, second.url];
  await waitFor(async () => {
    const ready = await Promise.all(gateways.map(async (url) => (await (await fetch(`${url}/readyz`)).json()) as { models: string[] }));
    return ready.every((r) => r.models.includes(BUNDLED_MODEL) && r.models.includes(SLOW_MODEL));
  });
  nc = await connect({ servers: stack.nats.url });
  ({ keys, prices } = await ensureEdgeBuckets(nc, natsNames(stack.nats.namespace)));
}, 120_000);

afterAll(async () => {
  await second?.stop(1_000);
  await nc?.close();
  await stack?.stop();
});

let keyCount = 0;
/** Writes a key's policy into KV `keys` as the admin service does; returns its secret. */
async function putKey(over: Partial<KeyPolicy> = {}, secret = `sk-test-${keyCount}-${Math.random().toString(36).slice(2)}`) {
  const policy = unrestrictedKeyPolicy(`key${keyCount++}`, { name: "test key", ...over });
  await keys.put(hashApiKey(secret), JSON.stringify(policy));
  return { secret, policy };
}

async function setPrice(model: string, inputPerMTokUsd: number, outputPerMTokUsd: number) {
  const price: ModelPrice = { v: 1, model, inputPerMTokUsd, outputPerMTokUsd };
  await prices.put(toModelToken(model), JSON.stringify(price));
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  requestId: string;
}

async function call(base: string, path: string, secret: string | null, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(secret ? { authorization: `Bearer ${secret}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a stream
  }
  return { status: res.status, headers: res.headers, body: parsed, requestId: res.headers.get("x-request-id")! };
}

const chat = (base: string, secret: string | null, extra: Record<string, unknown> = {}) =>
  call(base, "/v1/chat/completions", secret, { model: BUNDLED_MODEL, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 4, ...extra });

function expectOpenAiError(answer: Answer, status: number, type: string, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body).toEqual({ error: { message: expect.any(String), type, param: answer.body.error.param, code } });
}

/** Usage events in the EVENTS stream, by request id. */
async function usageEvents(): Promise<Map<string, UsageEvent[]>> {
  const byRequest = new Map<string, UsageEvent[]>();
  for (const event of await usageEventsInStream(nc, natsNames(stack.nats.namespace))) {
    byRequest.set(event.requestId, [...(byRequest.get(event.requestId) ?? []), event]);
  }
  return byRequest;
}

async function eventsFor(requestIds: string[]): Promise<UsageEvent[]> {
  let events = new Map<string, UsageEvent[]>();
  await waitFor(async () => {
    events = await usageEvents();
    return requestIds.every((id) => events.has(id));
  }, 10_000, "usage events");
  return requestIds.map((id) => {
    expect(events.get(id), `events of ${id}`).toHaveLength(1);
    return events.get(id)![0]!;
  });
}

/** Runs `fn` at a point with at least `seconds` left in the current minute, so a burst stays in one window. */
async function withinOneMinute<T>(seconds: number, fn: () => Promise<T>): Promise<T> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((r) => setTimeout(r, left + 50));
  return fn();
}

describe("auto mode", () => {
  it("is open while no key exists, requires one once a key appears, and stays closed when it is revoked", async () => {
    for (const url of gateways) expect((await chat(url, null)).status).toBe(200);
    const { secret, policy } = await putKey();
    for (const url of gateways) {
      await waitFor(async () => (await call(url, "/v1/models", null)).status === 401, 5_000, "keys required");
      expectOpenAiError(await chat(url, null), 401, "invalid_request_error", "invalid_api_key");
      expect((await chat(url, secret)).status).toBe(200);
    }
    await keys.put(hashApiKey(secret), JSON.stringify({ ...policy, revoked: true }));
    for (const url of gateways) await waitFor(async () => (await chat(url, secret)).status === 401, 5_000, "the key revoked");
    // Revoking the last key must not open the gateway to everyone.
    for (const url of gateways) expectOpenAiError(await chat(url, null), 401, "invalid_request_error", "invalid_api_key");
  });
});

describe("keys", () => {
  beforeAll(async () => {
    // From here on at least one live key exists: every request needs one.
    await putKey();
  });

  it("answers 401 in OpenAI's shape for a missing, unknown, revoked or expired key", async () => {
    const { secret: revoked } = await putKey({ revoked: true });
    const { secret: expired } = await putKey({ expiresAt: Date.now() - 1000 });
    await waitFor(async () => (await chat(stack.baseUrl, expired)).status === 401);
    const missing = await chat(stack.baseUrl, null);
    expectOpenAiError(missing, 401, "invalid_request_error", "invalid_api_key");
    expectOpenAiError(await chat(stack.baseUrl, "sk-nobody"), 401, "invalid_request_error", "invalid_api_key");
    const revokedAnswer = await chat(stack.baseUrl, revoked);
    expectOpenAiError(revokedAnswer, 401, "invalid_request_error", "invalid_api_key");
    expect(revokedAnswer.body.error.message).toMatch(/revoked/);
    const expiredAnswer = await chat(stack.baseUrl, expired);
    expect(expiredAnswer.body.error.message).toMatch(/expired/);
  });

  it("answers 403 for a path or a model the key may not use, and lists only its models", async () => {
    const { secret: modelsOnly } = await putKey({ allowedPaths: ["/v1/models*"] });
    const { secret: slowOnly } = await putKey({ allowedModels: [SLOW_MODEL] });
    await waitFor(async () => (await call(stack.baseUrl, "/v1/models", slowOnly)).status === 200);
    expect((await call(stack.baseUrl, "/v1/models", modelsOnly)).status).toBe(200);
    const path = await chat(stack.baseUrl, modelsOnly);
    expectOpenAiError(path, 403, "permission_error", "path_not_allowed");
    const model = await chat(stack.baseUrl, slowOnly);
    expectOpenAiError(model, 403, "permission_error", "model_not_allowed");
    expect(model.body.error.param).toBe("model");
    const listed = await call(stack.baseUrl, "/v1/models", slowOnly);
    expect(listed.body.data.map((m: { id: string }) => m.id)).toEqual([SLOW_MODEL]);
    expect((await call(stack.baseUrl, `/v1/models/${BUNDLED_MODEL}`, slowOnly)).status).toBe(404);
  });

  it("a revoke and a policy change are seen by both gateways within 1 s", async () => {
    const { secret, policy } = await putKey();
    for (const url of gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);

    const seenWithin = async (check: (url: string) => Promise<boolean>) => {
      const since = performance.now();
      await Promise.all(gateways.map((url) => waitFor(() => check(url), 5_000)));
      return performance.now() - since;
    };
    await keys.put(hashApiKey(secret), JSON.stringify({ ...policy, allowedModels: [SLOW_MODEL] }));
    expect(await seenWithin(async (url) => (await chat(url, secret)).status === 403)).toBeLessThan(1_000);
    await keys.put(hashApiKey(secret), JSON.stringify({ ...policy, revoked: true }));
    expect(await seenWithin(async (url) => (await call(url, "/v1/models", secret)).status === 401)).toBeLessThan(1_000);
  });
});

describe("rate-limit headers", () => {
  it("tell the client, as OpenAI's do, what is left of the tightest window of each kind, 429s included", async () => {
    const { secret } = await putKey({
      rateLimits: [
        { kind: "requests", limit: 3, windowSeconds: 3_600 },
        { kind: "requests", limit: 100, windowSeconds: 60 },
        { kind: "tokens", limit: 1_000_000, windowSeconds: 86_400 },
      ],
    });
    await waitFor(async () => (await call(stack.baseUrl, "/v1/models", secret)).status === 200);
    const answers = await withinOneMinute(10, async () => [await chat(stack.baseUrl, secret), await chat(stack.baseUrl, secret), await chat(stack.baseUrl, secret), await chat(stack.baseUrl, secret)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get("x-ratelimit-remaining-requests"))).toEqual(["2", "1", "0", "0"]);
    for (const answer of answers) {
      expect(answer.headers.get("x-ratelimit-limit-requests")).toBe("3");
      expect(answer.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+m)?\d+s$/);
      expect(answer.headers.get("x-ratelimit-limit-tokens")).toBe("1000000");
      expect(Number(answer.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(1_000_000);
    }
    // A key without rate limits gets none.
    const { secret: unlimited } = await putKey();
    await waitFor(async () => (await call(stack.baseUrl, "/v1/models", unlimited)).status === 200);
    expect((await chat(stack.baseUrl, unlimited)).headers.get("x-ratelimit-limit-requests")).toBeNull();
  });
});

describe("limits across two gateways", () => {
  it("admits exactly N of ~3N concurrent requests under an rpm of N, refusing the rest with 429 and Retry-After", async () => {
    const N = 8;
    const { secret } = await putKey({ rateLimits: [{ kind: "requests", limit: N, windowSeconds: 60 }] });
    for (const url of gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
    const answers = await withinOneMinute(15, () => Promise.all(Array.from({ length: 3 * N }, (_, i) => chat(gateways[i % 2]!, secret, { max_tokens: 2 }))));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(N);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(2 * N);
    for (const answer of refused) {
      expectOpenAiError(answer, 429, "requests", "rate_limit_exceeded");
      const retryAfter = Number(answer.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Both gateways admitted some and refused some: the counters really are shared.
    expect(new Set(answers.flatMap((a, i) => (a.status === 200 ? [] : [i % 2])))).toEqual(new Set([0, 1]));
  });

  it("a tpm limit cannot be overspent by concurrent requests: real usage stays within it", async () => {
    const limit = 600;
    const { secret } = await putKey({ rateLimits: [{ kind: "tokens", limit, windowSeconds: 60 }] });
    for (const url of gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
    const answers = await withinOneMinute(15, () => Promise.all(Array.from({ length: 30 }, (_, i) => chat(gateways[i % 2]!, secret, { max_tokens: 16 }))));
    const served = answers.filter((a) => a.status === 200);
    expect(served.length).toBeGreaterThan(0);
    for (const answer of answers.filter((a) => a.status !== 200)) expectOpenAiError(answer, 429, "tokens", "rate_limit_exceeded");
    expect(served.length).toBeLessThan(answers.length);
    const used = served.reduce((sum, a) => sum + a.body.usage.total_tokens, 0);
    expect(used).toBeLessThanOrEqual(limit);
  });

  it("a budget cannot be overspent by concurrent requests: the real cost of what was served stays within it", async () => {
    // $1 per thousand prompt tokens and $2 per thousand completion tokens.
    await setPrice(BUNDLED_MODEL, 1000, 2000);
    const amountUsd = 0.5;
    const { secret } = await putKey({ budget: { amountUsd, period: "day" } });
    for (const url of gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(gateways[i % 2]!, secret, { max_tokens: 16 })));
    const served = answers.filter((a) => a.status === 200);
    expect(served.length).toBeGreaterThan(0);
    expect(served.length).toBeLessThan(answers.length);
    for (const answer of answers.filter((a) => a.status !== 200)) expectOpenAiError(answer, 429, "insufficient_quota", "insufficient_quota");
    const events = await eventsFor(answers.map((a) => a.requestId));
    const spent = events.reduce((sum, e) => sum + e.costUsd, 0);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(amountUsd);
    for (const answer of served) {
      const event = events.find((e) => e.requestId === answer.requestId)!;
      expect(event.costUsd).toBeCloseTo((answer.body.usage.prompt_tokens * 1000 + answer.body.usage.completion_tokens * 2000) / 1e6, 9);
    }
    await prices.delete(toModelToken(BUNDLED_MODEL));
  });

  it("a request too big for a whole token window or a whole budget says so, with no Retry-After: waiting would not help", async () => {
    await setPrice(BUNDLED_MODEL, 1000, 2000);
    const { secret } = await putKey({ rateLimits: [{ kind: "tokens", limit: 100, windowSeconds: 60 }], budget: { amountUsd: 0.5, period: "day" } });
    await waitFor(async () => (await call(gateways[0]!, "/v1/models", secret)).status === 200);

    const tooManyTokens = await chat(gateways[0]!, secret, { max_tokens: 500 });
    expectOpenAiError(tooManyTokens, 429, "tokens", "rate_limit_exceeded");
    expect(tooManyTokens.body.error.message).toMatch(/^This request may use \d+ tokens \(its prompt's size and max_tokens\), more than the limit of 100 tokens per 60 s of this API key\./);
    expect(tooManyTokens.headers.get("retry-after")).toBeNull();

    // The body's bytes bound its prompt tokens (about $0.07 of them), 80 completion tokens add $0.16: more than $0.2.
    const { secret: small } = await putKey({ budget: { amountUsd: 0.2, period: "day" } });
    await waitFor(async () => (await call(gateways[0]!, "/v1/models", small)).status === 200);
    const tooDear = await chat(gateways[0]!, small, { max_tokens: 80 });
    expectOpenAiError(tooDear, 429, "insufficient_quota", "insufficient_quota");
    expect(tooDear.body.error.message).toMatch(/^This request may cost up to \$0\.\d+ \(its prompt's size and max_tokens at the model's prices\), more than the \$0\.2 left of the \$0\.2 budget of this API key for the period\./);
    expect(tooDear.headers.get("retry-after")).toBeNull();

    // The same key can still afford a small request.
    expect((await chat(gateways[0]!, small, { max_tokens: 4 })).status).toBe(200);
    await prices.delete(toModelToken(BUNDLED_MODEL));
  });

  it("holds max concurrent across both gateways, and frees a slot when a client leaves", async () => {
    const { secret } = await putKey({ maxConcurrent: 2 });
    for (const url of gateways) await waitFor(async () => (await call(url, "/v1/models", secret)).status === 200);
    // Streams of the slow model run for minutes: they hold their slots until the client leaves.
    const aborts = Array.from({ length: 8 }, () => new AbortController());
    const opened = await Promise.all(
      aborts.map((abort, i) =>
        fetch(`${gateways[i % 2]}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
          body: JSON.stringify({ model: SLOW_MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 5000, stream: true }),
          signal: abort.signal,
        }),
      ),
    );
    const held = opened.filter((res) => res.status === 200);
    expect(held).toHaveLength(2);
    for (const res of opened.filter((r) => r.status !== 200)) {
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(((await res.json()) as any).error.code).toBe("concurrency_limit_exceeded");
    }
    const heldIds = held.map((res) => res.headers.get("x-request-id")!);
    aborts.forEach((abort, i) => opened[i]!.status === 200 && abort.abort());
    await waitFor(async () => (await chat(second.url, secret, { max_tokens: 1 })).status === 200, 10_000, "a slot freed");
    const events = await eventsFor(heldIds);
    for (const event of events) expect(event.status).toBe(499);
  });
});

describe("usage events", () => {
  it("streamed and non-streamed requests carry the same real tokens and cost", async () => {
    await setPrice(BUNDLED_MODEL, 1000, 2000);
    const { secret, policy } = await putKey();
    await waitFor(async () => (await call(stack.baseUrl, "/v1/models", secret)).status === 200);
    const request = { max_tokens: 12, temperature: 0, seed: 7 };
    const plain = await chat(stack.baseUrl, secret, request);
    const streamed = await chat(second.url, secret, { ...request, stream: true });
    expect(plain.status).toBe(200);
    expect(streamed.status).toBe(200);
    const [plainEvent, streamedEvent] = await eventsFor([plain.requestId, streamed.requestId]);
    expect(plainEvent!.stream).toBe(false);
    expect(streamedEvent!.stream).toBe(true);
    expect(plainEvent!.promptTokens).toBe(plain.body.usage.prompt_tokens);
    expect(plainEvent!.completionTokens).toBe(plain.body.usage.completion_tokens);
    expect(streamedEvent!.promptTokens).toBe(plainEvent!.promptTokens);
    expect(streamedEvent!.completionTokens).toBe(plainEvent!.completionTokens);
    expect(streamedEvent!.costUsd).toBeGreaterThan(0);
    expect(streamedEvent!.costUsd).toBe(plainEvent!.costUsd);
    for (const event of [plainEvent!, streamedEvent!]) {
      expect(event).toMatchObject({ keyId: policy.keyId, model: BUNDLED_MODEL, provider: "local", status: 200, errorType: null, cacheHit: false });
      expect(event.workerIds).toHaveLength(1);
      expect(event.ttftMs).not.toBeNull();
      expect(event.latencyMs).toBeGreaterThanOrEqual(event.ttftMs!);
    }
    expect(plainEvent!.gatewayId).not.toBe(streamedEvent!.gatewayId);
    await prices.delete(toModelToken(BUNDLED_MODEL));
  });

  it("every request, refused or not, produces exactly one event with its status", async () => {
    const { secret } = await putKey({ allowedModels: [BUNDLED_MODEL], rateLimits: [{ kind: "requests", limit: 1, windowSeconds: 86_400 }] });
    await waitFor(async () => (await call(stack.baseUrl, "/v1/models", secret)).status === 200);
    const answers = [
      await chat(stack.baseUrl, secret), // 200
      await chat(stack.baseUrl, secret), // 429
      await chat(stack.baseUrl, null), // 401
      await chat(stack.baseUrl, secret, { model: SLOW_MODEL }), // 403
      await chat(stack.baseUrl, secret, { model: "no-such-model" }), // 404
      await call(stack.baseUrl, "/v1/chat/completions", secret, { model: BUNDLED_MODEL }), // 400
      await call(stack.baseUrl, "/v1/nowhere", secret), // 404
      await call(stack.baseUrl, "/v1/models", secret), // 200
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 429, 401, 403, 404, 400, 404, 200]);
    const events = await eventsFor(answers.map((a) => a.requestId));
    expect(events.map((e) => e.status)).toEqual([200, 429, 401, 403, 404, 400, 404, 200]);
    expect(events.map((e) => e.errorType)).toEqual([null, "requests", "invalid_request_error", "permission_error", "invalid_request_error", "invalid_request_error", "invalid_request_error", null]);
    expect(events[2]!.keyId).toBeNull();
    expect(events[3]!.model).toBe(SLOW_MODEL);
    expect(events[4]!.model).toBe("no-such-model");
    expect(events[0]!.completionTokens).toBeGreaterThan(0);
    expect(events[1]!.completionTokens).toBe(0);
  });
});
