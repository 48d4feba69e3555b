import { afterAll, beforeAll, expect } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@lantern/gateway";
import { hashApiKey, natsNames, toModelToken, unrestrictedKeyPolicy, type UsageEvent, type KeyPolicy, type ModelPrice } from "@lantern/shared/contracts";
import { usageEventsInStream } from "@lantern/shared/testing";
import { ensureEdgeBuckets, type EdgeBuckets } from "@lantern/shared/nats";
import { capturingLogger } from "./log-capture.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type TestStack } from "./test-stack.js";

/*
 * The stack of the edge policy tests (keys, limits, budgets and usage events): two gateway replicas
 * on one NATS namespace and real workers: stories260K, and the synthetic engine where a request
 * must be held open for as long as the test decides.
 */

export const SLOW_MODEL = "edge-slow";

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  requestId: string;
}

export async function call(base: string, path: string, secret: string | null, body?: unknown): Promise<Answer> {
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

export const chat = (base: string, secret: string | null, extra: Record<string, unknown> = {}) =>
  call(base, "/v1/chat/completions", secret, { model: BUNDLED_MODEL, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 4, ...extra });

export function expectOpenAiError(answer: Answer, status: number, type: string, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body).toEqual({ error: { message: expect.any(String), type, param: answer.body.error.param, code } });
}

/** Runs `fn` at a point with at least `seconds` left in the current minute, so a burst stays in one window. */
export async function withinOneMinute<T>(seconds: number, fn: () => Promise<T>): Promise<T> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((r) => setTimeout(r, left + 50));
  return fn();
}

export interface EdgePolicyStack {
  stack: TestStack;
  second: RunningGateway;
  /** Both gateways' base URLs. */
  gateways: string[];
  keys: EdgeBuckets["keys"];
  prices: EdgeBuckets["prices"];
  /** Writes a key's policy into KV `keys` as the admin service does; returns its secret. */
  putKey(over?: Partial<KeyPolicy>, secret?: string): Promise<{ secret: string; policy: KeyPolicy }>;
  setPrice(model: string, inputPerMTokUsd: number, outputPerMTokUsd: number): Promise<void>;
  /** The one usage event of each request, waiting for them to arrive in the EVENTS stream. */
  eventsFor(requestIds: string[]): Promise<UsageEvent[]>;
}

/** Starts the stack before the calling file's tests and stops it after them; its fields are set once they run. */
export function useEdgePolicyStack(): EdgePolicyStack {
  let nc: NatsConnection | undefined;
  let keyCount = 0;

  /** Usage events in the EVENTS stream, by request id. */
  async function usageEvents(): Promise<Map<string, UsageEvent[]>> {
    const byRequest = new Map<string, UsageEvent[]>();
    for (const event of await usageEventsInStream(nc!, natsNames(edge.stack.nats.namespace))) {
      byRequest.set(event.requestId, [...(byRequest.get(event.requestId) ?? []), event]);
    }
    return byRequest;
  }

  const edge: EdgePolicyStack = {
    stack: undefined as unknown as TestStack,
    second: undefined as unknown as RunningGateway,
    gateways: [],
    keys: undefined as unknown as EdgeBuckets["keys"],
    prices: undefined as unknown as EdgeBuckets["prices"],
    async putKey(over = {}, secret = `sk-test-${keyCount}-${Math.random().toString(36).slice(2)}`) {
      const policy = unrestrictedKeyPolicy(`key${keyCount++}`, { name: "test key", ...over });
      await edge.keys.put(hashApiKey(secret), JSON.stringify(policy));
      return { secret, policy };
    },
    async setPrice(model, inputPerMTokUsd, outputPerMTokUsd) {
      const price: ModelPrice = { v: 1, model, inputPerMTokUsd, outputPerMTokUsd };
      await edge.prices.put(toModelToken(model), JSON.stringify(price));
    },
    async eventsFor(requestIds) {
      let events = new Map<string, UsageEvent[]>();
      await waitFor(async () => {
        events = await usageEvents();
        return requestIds.every((id) => events.has(id));
      }, 10_000, "usage events");
      return requestIds.map((id) => {
        expect(events.get(id), `events of ${id}`).toHaveLength(1);
        return events.get(id)![0]!;
      });
    },
  };

  beforeAll(async () => {
    edge.stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto" } });
    await edge.stack.startWorker();
    await edge.stack.spawnWorker({ INFERENCE_ENGINE: "synthetic", INFERENCE_SYNTHETIC_MODEL: SLOW_MODEL, INFERENCE_SYNTHETIC_TOKENS_PER_S: "20", INFERENCE_SLOTS: "16" });
    edge.second = await startGateway(
      loadGatewayConfig({ NATS_URL: edge.stack.nats.url, NATS_NAMESPACE: edge.stack.nats.namespace, GATEWAY_PORT: "0", WORKER_HEARTBEAT_TTL_MS: "3000", GATEWAY_AUTH: "auto" }),
      capturingLogger("gateway-2").logger,
    );
    edge.gateways = [edge.stack.baseUrl, edge.second.url];
    await waitFor(async () => {
      const ready = await Promise.all(edge.gateways.map(async (url) => (await (await fetch(`${url}/readyz`)).json()) as { models: string[] }));
      return ready.every((r) => r.models.includes(BUNDLED_MODEL) && r.models.includes(SLOW_MODEL));
    });
    nc = await connect({ servers: edge.stack.nats.url });
    ({ keys: edge.keys, prices: edge.prices } = await ensureEdgeBuckets(nc, natsNames(edge.stack.nats.namespace)));
  }, 120_000);

  afterAll(async () => {
    await edge.second?.stop(1_000);
    await nc?.close();
    await edge.stack?.stop();
  });

  return edge;
}
