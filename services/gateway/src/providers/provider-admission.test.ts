import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeMessage, hashApiKey, unrestrictedKeyPolicy } from "@lantern/shared/contracts";
import { KeyCounters, windowStart } from "@lantern/shared/limits";
import { openEdgeKv, type EdgeKv } from "../../../../test/harness/edge-kv.js";
import { jsonAnswer, startOpenAiUpstream, streamAnswer, UPSTREAM_TEXT, type OpenAiUpstream } from "../../../../test/harness/openai-upstream.js";
import { startTestStack, waitFor, type TestStack } from "../../../../test/harness/test-stack.js";

/*
 * A custom provider's call starts while the key's admission is decided when the gateway's view of
 * the key's counters leaves room: the answer still waits for the admission, and a refusal decided
 * after the call started is a 429 like any other, with nothing of the upstream's answer in it.
 */

let stack: TestStack;
let kv: EdgeKv;
let upstream: OpenAiUpstream;
// A window long enough that no test here straddles its end.
const WINDOW_S = 366 * 86_400;
const LIMIT = 10;
const secret = "sk-test-admission-alongside";

const chat = (body: Record<string, unknown> = {}) =>
  fetch(`${stack.baseUrl}/api/custom/providers/up/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: "upstream-model", messages: [{ role: "user", content: "Hi" }], max_tokens: 8, ...body }),
  });

beforeAll(async () => {
  upstream = await startOpenAiUpstream();
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "required" } });
  kv = await openEdgeKv(stack.nats.url, stack.nats.namespace);
  await kv.putProvider({ name: "up", baseUrl: upstream.baseUrl, apiKey: "sk-upstream", timeoutMs: 30_000 });
  const policy = unrestrictedKeyPolicy("key_alongside", { name: "alongside", rateLimits: [{ kind: "requests", limit: LIMIT, windowSeconds: WINDOW_S }] });
  await kv.buckets.keys.put(hashApiKey(secret), JSON.stringify(policy));
  await waitFor(async () => (await chat()).status === 200, 10_000, "the key and the provider to be known");
});
afterAll(async () => {
  await kv?.close();
  await stack?.stop();
  await upstream?.close();
});

/** What another replica would leave in KV `limits`: the key's window used up. */
async function useUpWindow(): Promise<void> {
  const start = windowStart(Date.now(), WINDOW_S);
  const counters: KeyCounters = { v: 1, windows: { [`requests:${WINDOW_S}`]: { start, used: LIMIT } }, held: {}, spend: null };
  await kv.buckets.limits.put(hashApiKey(secret), encodeMessage(KeyCounters, counters));
}

it("answers in full when admitted, and refuses with 429 and nothing of the answer when another replica used the window up", async () => {
  const ok = await chat();
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe(UPSTREAM_TEXT.join(""));

  await useUpWindow();
  const refused = await chat();
  expect(refused.status).toBe(429);
  expect(refused.headers.get("x-lantern-provider")).toBeNull();
  expect(await refused.json()).toEqual({ error: expect.objectContaining({ type: "requests", code: "rate_limit_exceeded" }) });
});

it("a refused stream's upstream call is closed, not left running", async () => {
  await kv.buckets.limits.delete(hashApiKey(secret));
  // The next two calls: one admitted (the gateway learns the key has room), then a slow stream.
  upstream.behave((req, res) => (req.body.stream === true ? streamAnswer(req, res, UPSTREAM_TEXT, 10_000) : jsonAnswer(req, res)));
  expect((await chat()).status).toBe(200);
  const before = upstream.requests.length;
  await useUpWindow();
  const refused = await chat({ stream: true });
  expect(refused.status).toBe(429);
  expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
  // A call started alongside the admission is dropped at once; one that never started has nothing to close.
  await Promise.all(upstream.requests.slice(before).map((r) => r.closed));
  expect(upstream.requests.length - before).toBeLessThanOrEqual(1);
});
