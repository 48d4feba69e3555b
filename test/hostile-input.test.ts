import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { createLogger } from "@lantern/shared/logging";
import { loadAdminConfig, startAdmin, type RunningAdmin } from "../services/admin/src/index.js";
import { chat, routeCases, type HostileCase } from "./harness/hostile-cases.js";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

/*
 * Malformed and hostile requests against every public route of the gateway and the admin API:
 * each gets its 4xx in the OpenAI error shape, both services stay up, and the gateway's heap
 * returns to where it was. Attacks on the HTTP framing itself are in hostile-http.test.ts.
 */

const ADMIN_TOKEN = "hostile-input-admin-token-0123";
const BODY_TIMEOUT_MS = 400;
let stack: TestStack;
let admin: RunningAdmin;
let orchestrator: TestOrchestrator;
let dataDir: string;
let database: TestDatabase;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS), GATEWAY_AUTH: "off" } });
  await stack.startWorker({ INFERENCE_SLOTS: "1" });
  dataDir = mkdtempSync(join(tmpdir(), "lantern-hostile-"));
  database = await useTestDatabase();
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
  orchestrator = await startTestOrchestrator(stack.nats);
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/v1/models`)).json()) as { data: unknown[] }).data.length === 1);
});
afterAll(async () => {
  await orchestrator?.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await admin?.stop();
  await database?.drop();
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function send(c: HostileCase): Promise<{ status: number; body: string }> {
  const base = c.service === "admin" ? admin.url : stack.baseUrl;
  const headers: Record<string, string> = { "content-type": "application/json", ...(c.service === "admin" ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}), ...c.headers };
  if (headers.authorization === "") delete headers.authorization;
  const body = c.body === undefined ? undefined : typeof c.body === "string" || c.body instanceof Uint8Array ? c.body : JSON.stringify(c.body);
  const res = await fetch(`${base}${c.path}`, { method: c.method ?? "POST", headers, body });
  return { status: res.status, body: await res.text() };
}

function expectOpenAiError(text: string) {
  const parsed = JSON.parse(text) as { error: Record<string, unknown> };
  expect(typeof parsed.error.message).toBe("string");
  expect((parsed.error.message as string).length).toBeGreaterThan(0);
  expect(typeof parsed.error.type).toBe("string");
  expect(parsed.error).toHaveProperty("param");
  expect(parsed.error).toHaveProperty("code");
  return parsed.error;
}

/** Heap in use after a full collection, so garbage from the cases does not count. */
function heapAfterCollection(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return getHeapStatistics().used_heap_size;
}

describe("hostile input", () => {
  let heapBefore = 0;

  it(`has at least 100 cases (${routeCases.length})`, () => {
    expect(routeCases.length).toBeGreaterThanOrEqual(100);
    // Warm every route once so lazily built state is not counted as growth.
    heapBefore = heapAfterCollection();
  });

  it.each(routeCases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const res = await send(c);
    expect(res.status, res.body).toBe(c.status);
    const error = expectOpenAiError(res.body);
    if (c.param !== undefined) expect(error.param, res.body).toBe(c.param);
  });

  it("both services are still up and serve a real request, and the gateway's heap is back near where it was", async () => {
    expect((await fetch(`${stack.baseUrl}/healthz`)).ok).toBe(true);
    expect((await fetch(`${admin.url}/api/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).ok).toBe(true);
    const res = await fetch(`${stack.baseUrl}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chat()) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content.length).toBeGreaterThan(0);
    // Several megabytes of hostile bodies went through; what stays must be small and bounded.
    const grownMiB = (heapAfterCollection() - heapBefore) / 2 ** 20;
    expect(grownMiB).toBeLessThan(16);
  });
});
