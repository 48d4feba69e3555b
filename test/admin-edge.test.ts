import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@lantern/gateway";
import { createLogger } from "@lantern/shared/logging";
import { loadAdminConfig, startAdmin, type RunningAdmin } from "../services/admin/src/index.js";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { capturingLogger } from "./harness/log-capture.js";
import { startOpenAiUpstream, type OpenAiUpstream } from "./harness/openai-upstream.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

/*
 * The whole edge as a team uses it: keys, prices, providers and routes made through the admin API
 * (Postgres), enforced by two gateway replicas that only read NATS KV, and every request's usage
 * stored back in Postgres and queryable.
 */

const ADMIN_TOKEN = "admin-edge-test-token-0123";
let stack: TestStack;
let second: RunningGateway;
let admin: RunningAdmin;
let database: TestDatabase;
let upstream: OpenAiUpstream;
let dataDir: string;
let gateways: string[];

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto" } });
  await stack.startWorker();
  second = await startGateway(
    loadGatewayConfig({ NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, GATEWAY_PORT: "0", WORKER_HEARTBEAT_TTL_MS: "3000" }),
    capturingLogger("gateway-2").logger,
  );
  gateways = [stack.baseUrl, second.url];
  database = await useTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "lantern-admin-edge-"));
  admin = await startAdmin(
    loadAdminConfig({
      NATS_URL: stack.nats.url,
      NATS_NAMESPACE: stack.nats.namespace,
      ADMIN_PORT: "0",
      ADMIN_TOKEN,
      DATABASE_URL: database.url,
      LANTERN_DATA_DIR: dataDir,
    }),
    createLogger({ service: "admin", level: "silent" }),
  );
  upstream = await startOpenAiUpstream();
  await waitFor(async () => (await fetch(`${second.url}/readyz`)).ok);
}, 120_000);

afterAll(async () => {
  await admin?.stop(1_000);
  await second?.stop(1_000);
  await stack?.stop();
  await upstream?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function adminCall(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${admin.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function chat(gateway: string, secret: string | null, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gateway}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
    body: JSON.stringify(body),
  });
}

const question = { model: BUNDLED_MODEL, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 12, temperature: 0 };

describe("admin API → KV → gateways → usage in Postgres", () => {
  let secret: string;
  let keyId: string;

  it("opens while no key exists, and requires one on every replica once admin creates a key", async () => {
    expect((await chat(stack.baseUrl, null, question)).status).toBe(200);
    const created = await adminCall("POST", "/api/key-management/keys", {
      name: "team",
      tags: ["e2e"],
      rateLimits: [{ kind: "requests", limit: 1000, windowSeconds: 60 }],
    });
    secret = created.key;
    keyId = created.id;
    expect(secret).toMatch(/^lk-/);
    await waitFor(async () => (await Promise.all(gateways.map((g) => chat(g, null, question)))).every((r) => r.status === 401), 5_000, "auth required");
    for (const g of gateways) expect((await chat(g, secret, question)).status).toBe(200);
  });

  it("stores one event per request with real tokens and cost, streamed or not, and aggregates them", async () => {
    await adminCall("POST", "/api/prices", { model: BUNDLED_MODEL, inputPerMTokUsd: 1_000, outputPerMTokUsd: 2_000 });
    await waitFor(async () => {
      // The price reached the gateways once a request is charged for it.
      const res = await chat(stack.baseUrl, secret, question);
      await res.text();
      const page = await adminCall("GET", `/api/events?keyId=${keyId}&limit=1`);
      return page.events[0]?.costUsd > 0;
    }, 10_000, "price applied");

    const plain = await chat(stack.baseUrl, secret, question);
    const plainId = plain.headers.get("x-request-id")!;
    const plainBody: any = await plain.json();
    const streamed = await chat(second.url, secret, { ...question, stream: true });
    const streamedId = streamed.headers.get("x-request-id")!;
    expect(await streamed.text()).toContain("[DONE]");

    let events: any[] = [];
    await waitFor(async () => {
      events = (await adminCall("GET", `/api/events?keyId=${keyId}&limit=1000`)).events;
      return [plainId, streamedId].every((id) => events.some((e) => e.requestId === id));
    }, 10_000, "events stored");
    const plainEvent = events.find((e) => e.requestId === plainId);
    const streamEvent = events.find((e) => e.requestId === streamedId);
    expect(plainEvent).toMatchObject({ status: 200, stream: false, model: BUNDLED_MODEL, provider: "local", cacheHit: false });
    expect(plainEvent.promptTokens).toBe(plainBody.usage.prompt_tokens);
    expect(plainEvent.completionTokens).toBe(plainBody.usage.completion_tokens);
    expect(plainEvent.costUsd).toBeCloseTo((plainEvent.promptTokens * 1_000 + plainEvent.completionTokens * 2_000) / 1e6, 9);
    // A stream that never asked for usage is still charged its real tokens.
    expect(streamEvent).toMatchObject({ status: 200, stream: true, completionTokens: plainEvent.completionTokens, promptTokens: plainEvent.promptTokens });
    expect(streamEvent.costUsd).toBeCloseTo(plainEvent.costUsd, 9);
    expect(streamEvent.ttftMs).toBeGreaterThan(0);

    const stored = events.filter((e) => e.status === 200);
    const aggregates = await adminCall("GET", `/api/events/aggregates?groupBy=key&keyId=${keyId}`);
    const group = aggregates.groups.find((g: any) => g.group === keyId);
    expect(group.requests).toBe(events.length);
    expect(group.completionTokens).toBe(stored.reduce((sum, e) => sum + e.completionTokens, 0));
    expect(group.costUsd).toBeCloseTo(events.reduce((sum, e) => sum + e.costUsd, 0), 9);
  });

  it("routes a model through a provider registered with admin, falling back from the local pool", async () => {
    await adminCall("POST", "/api/provider-settings", { name: "backup", baseUrl: upstream.baseUrl, apiKey: "upstream-secret", timeoutMs: 5_000 });
    await adminCall("POST", "/api/routes", {
      model: "team-chat",
      steps: [
        { provider: "local", model: "nobody-serves-this", retries: 0 },
        { provider: "backup", model: "upstream-model", retries: 0 },
      ],
    });
    let res!: Response;
    await waitFor(async () => {
      res = await chat(second.url, secret, { model: "team-chat", messages: [{ role: "user", content: "hi" }] });
      return res.status === 200;
    }, 5_000, "route applied");
    expect(res.headers.get("x-lantern-provider")).toBe("backup");
    const requestId = res.headers.get("x-request-id")!;
    await res.json();
    expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer upstream-secret");
    await waitFor(async () => (await adminCall("GET", `/api/events?keyId=${keyId}&provider=backup`)).events.some((e: any) => e.requestId === requestId), 10_000, "routed event");
  });

  it("a revoke through admin is refused by both gateway replicas within 1 s", async () => {
    for (const g of gateways) expect((await chat(g, secret, question)).status).toBe(200);
    await adminCall("POST", `/api/key-management/keys/${keyId}/revoke`);
    const revokedAt = performance.now();
    const seen = await Promise.all(
      gateways.map(async (g) => {
        for (;;) {
          const res = await fetch(`${g}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
          if (res.status === 401) return performance.now() - revokedAt;
          if (performance.now() - revokedAt > 5_000) return Infinity;
        }
      }),
    );
    for (const ms of seen) expect(ms).toBeLessThan(1_000);
  });
});
