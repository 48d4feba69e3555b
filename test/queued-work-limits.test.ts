import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, hashApiKey, natsNames, toModelToken, unrestrictedKeyPolicy, type KeyPolicy, type ModelPrice, type TaskView, type UsageEvent } from "@lantern/shared/contracts";
import { budgetPeriod, KeyCounters } from "@lantern/shared/limits";
import { ensureEdgeBuckets, type EdgeBuckets } from "@lantern/shared/nats";
import { usageEventsInStream } from "@lantern/shared/testing";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { BUNDLED_MODEL, repoRoot, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";
import { openSocket } from "./harness/ws-client.js";

/*
 * Work queued for later (tasks, pipeline runs) is paid by its key like a request: the request that
 * queues it counts against the key's request windows at the gateway, and each model call it makes
 * is admitted against the key's tokens, concurrency and budget where it runs, in the orchestrator.
 */

// Windows this long (the most a policy allows) do not roll over while the test runs.
const LONG_WINDOW_S = 366 * 86_400;

let stack: TestStack;
let orchestrator: TestOrchestrator;
let pipelinesDir: string;
let nc: NatsConnection;
let buckets: EdgeBuckets;
let keyCount = 0;

beforeAll(async () => {
  pipelinesDir = mkdtempSync(join(tmpdir(), "lantern-queued-limits-"));
  writeFileSync(join(pipelinesDir, "models.yaml"), `models_directory: ${join(repoRoot, "models")}\nmodels:\n  teller:\n    file: stories260K.gguf\n`);
  writeFileSync(join(pipelinesDir, "tale.yaml"), "base_pipeline:\n  stages:\n    - {name: tell, type: single, model: teller, max_tokens: 8}\n    - {name: again, type: single, model: teller, max_tokens: 8}\n");
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto" } });
  await stack.startWorker({ INFERENCE_MODELS: `${BUNDLED_MODEL}=stories260K.gguf?slots=2&context=256,teller=stories260K.gguf?slots=1&context=256` });
  orchestrator = await startTestOrchestrator(stack.nats, { PIPELINES_DIR: pipelinesDir, ORCHESTRATOR_TASK_CONCURRENCY: "2", ORCHESTRATOR_TASK_POLL_MS: "200", ORCHESTRATOR_RUN_ATTEMPTS: "1" });
  nc = await connect({ servers: stack.nats.url });
  buckets = await ensureEdgeBuckets(nc, natsNames(stack.nats.namespace));
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await orchestrator?.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await stack?.stop();
  rmSync(pipelinesDir, { recursive: true, force: true });
});

/** Writes a key's policy into KV `keys` as the admin service does; returns its secret. */
async function putKey(over: Partial<KeyPolicy>) {
  const secret = `sk-queued-${keyCount}-${Math.random().toString(36).slice(2)}`;
  const policy = unrestrictedKeyPolicy(`queued-key-${keyCount++}`, over);
  await buckets.keys.put(hashApiKey(secret), JSON.stringify(policy));
  // The gateway learns keys from its KV watch: wait until it knows this one (listing models admits nothing).
  await waitFor(async () => (await fetch(`${stack.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status !== 401, 10_000, "the gateway to know the key");
  return { secret, policy };
}

async function setPrice(model: string, perMTokUsd: number) {
  const price: ModelPrice = { v: 1, model, inputPerMTokUsd: perMTokUsd, outputPerMTokUsd: perMTokUsd };
  await buckets.prices.put(toModelToken(model), JSON.stringify(price));
}

async function counters(secret: string): Promise<KeyCounters | null> {
  const entry = await buckets.limits.get(hashApiKey(secret));
  return entry?.operation === "PUT" ? KeyCounters.parse(entry.json()) : null;
}

async function post(path: string, secret: string, body: unknown) {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const task = (secret: string) => post("/api/v1/tasks", secret, { model: BUNDLED_MODEL, prompt: "Once upon a time", params: { max_tokens: 4, temperature: 0 } });

async function finished(secret: string, id: string): Promise<TaskView> {
  let view: TaskView | undefined;
  await waitFor(async () => {
    const res = await fetch(`${stack.baseUrl}/api/v1/tasks/${id}`, { headers: { authorization: `Bearer ${secret}` } });
    view = (await res.json()) as TaskView;
    return ["succeeded", "failed", "cancelled"].includes(view.status);
  }, 60_000);
  return view!;
}

/** The usage events of the key's model calls (the orchestrator's; the gateway's are of the requests that queued them). */
const callsOf = async (keyId: string) =>
  (await usageEventsInStream(nc, natsNames(stack.nats.namespace))).filter((e: UsageEvent) => e.keyId === keyId && e.gatewayId.startsWith("orchestrator-"));

/** The key's call events once `ready` holds for them: an event leaves its publisher's outbox a little after the call ends. */
async function callsWhen(keyId: string, ready: (calls: UsageEvent[]) => boolean): Promise<UsageEvent[]> {
  let calls: UsageEvent[] = [];
  await waitFor(async () => ready((calls = await callsOf(keyId))), 10_000, "the calls' usage events");
  return calls;
}

it("counts each task and pipeline run it queues as one request of the key, and none for the calls they make", async () => {
  const { secret } = await putKey({ rateLimits: [{ kind: "requests", limit: 2, windowSeconds: LONG_WINDOW_S }] });
  const first = await task(secret);
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  const run = await post("/v1/pipelines/tale/runs", secret, { input: "A cat", async: true });
  expect(run.status, JSON.stringify(run.body)).toBe(202);

  const refused = await task(secret);
  expect(refused.status).toBe(429);
  expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  expect(refused.body).toEqual({ error: { message: expect.stringContaining("2 requests per"), type: "requests", param: null, code: "rate_limit_exceeded" } });

  expect((await finished(secret, first.body.id)).status).toBe("succeeded");
  await waitFor(async () => {
    const res = await fetch(`${stack.baseUrl}/v1/pipelines/runs/${run.body.id}`, { headers: { authorization: `Bearer ${secret}` } });
    return ((await res.json()) as { status: string }).status === "succeeded";
  }, 60_000);
  // Three model calls ran, yet the window holds the two requests that queued them.
  expect((await counters(secret))!.windows[`requests:${LONG_WINDOW_S}`]!.used).toBe(2);
});

it("settles every call of a pipeline run into the key's token window, and its usage events name the key", async () => {
  const { secret, policy } = await putKey({ rateLimits: [{ kind: "tokens", limit: 1_000_000, windowSeconds: LONG_WINDOW_S }] });
  const res = await post("/v1/pipelines/tale/runs", secret, { input: "A dog" });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status).toBe("succeeded");
  const used = res.body.usage.promptTokens + res.body.usage.completionTokens;
  expect(used).toBeGreaterThan(0);

  const isRunCall = (e: UsageEvent) => e.path === "/v1/pipelines/runs";
  const calls = (await callsWhen(policy.keyId, (all) => all.filter(isRunCall).length >= 2)).filter(isRunCall);
  expect(calls).toHaveLength(2);
  expect(calls.every((e) => e.model === "teller" && e.status === 200)).toBe(true);
  // What was reserved from max_tokens and the prompt's size is replaced by what the calls used.
  await waitFor(async () => (await counters(secret))?.windows[`tokens:${LONG_WINDOW_S}`]?.used === used);
});

it("shows a key its own pipeline runs only", async () => {
  const mine = await putKey({});
  const theirs = await putKey({});
  const run = await post("/v1/pipelines/tale/runs", mine.secret, { input: "A fox", async: true });
  expect(run.status).toBe(202);
  const as = (secret: string, path: string) => fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  expect((await as(mine.secret, `/v1/pipelines/runs/${run.body.id}`)).status).toBe(200);
  const hidden = await as(theirs.secret, `/v1/pipelines/runs/${run.body.id}`);
  expect(hidden.status).toBe(404);
  expect(((await hidden.json()) as any).error.code).toBe("run_not_found");
  expect((await as(theirs.secret, `/v1/pipelines/runs/${run.body.id}/events`)).status).toBe(404);
  const listed = async (secret: string) => ((await (await as(secret, "/v1/pipelines/runs?limit=500")).json()) as { data: Array<{ id: string }> }).data.map((r) => r.id);
  expect(await listed(mine.secret)).toContain(run.body.id);
  expect(await listed(theirs.secret)).not.toContain(run.body.id);
  const retry = await post(`/v1/pipelines/runs/${run.body.id}/rerun`, theirs.secret, { from_stage: 1, async: true });
  expect(retry.status).toBe(404);
});

it("shows a key's monitor the fleet and that key's own requests, tasks and runs only", async () => {
  const mine = await putKey({});
  const theirs = await putKey({});
  const monitor = await openSocket(stack.baseUrl, `/v1/ws/monitor?key=${mine.secret}`);
  try {
    monitor.send({ type: "subscribe", kinds: ["usage", "task.*", "pipeline.*", "worker.stats"] });
    await monitor.next((f) => f.type === "subscribed");
    const theirTask = await task(theirs.secret);
    const theirRun = await post("/v1/pipelines/tale/runs", theirs.secret, { input: "A hen" });
    expect(theirRun.status).toBe(200);
    const myTask = await task(mine.secret);
    expect((await finished(theirs.secret, theirTask.body.id)).status).toBe("succeeded");
    expect((await finished(mine.secret, myTask.body.id)).status).toBe("succeeded");
    await monitor.next((f) => f.kind === "task.done" && f.data.taskId === myTask.body.id, 0, "my task's end");
    await monitor.next((f) => f.kind === "usage" && f.data.keyId === mine.policy.keyId && f.data.path === "/api/v1/tasks" && f.data.gatewayId.startsWith("orchestrator-"), 0, "my call's usage");
    await monitor.next((f) => f.kind === "worker.stats", 0, "fleet stats");

    const seen = JSON.stringify(monitor.frames);
    expect(seen).not.toContain(theirTask.body.id);
    expect(seen).not.toContain(theirRun.body.id);
    expect(seen).not.toContain(theirs.policy.keyId);
    expect(monitor.frames.filter((f) => f.kind === "usage").every((f) => f.data.keyId === mine.policy.keyId)).toBe(true);
  } finally {
    await monitor.close();
  }
});

it("fails a task whose call the budget cannot pay for, and refuses new work once the budget is spent", async () => {
  await setPrice(BUNDLED_MODEL, 1_000);
  const { secret, policy } = await putKey({ budget: { amountUsd: 1, period: "month" } });
  const start = budgetPeriod(Date.now(), "month").start;
  const spent = (usd: number) => buckets.limits.put(hashApiKey(secret), encodeMessage(KeyCounters, { v: 1, windows: {}, held: {}, spend: { start, usd } }));

  // A cent left: enough to queue work, too little for its call (about 30 tokens at $0.001 each).
  await spent(0.99);
  const queued = await task(secret);
  expect(queued.status, JSON.stringify(queued.body)).toBe(202);
  const view = await finished(secret, queued.body.id);
  expect(view.status).toBe("failed");
  expect(view.error).toMatch(/^This call may cost up to \$[\d.]+ .*, more than the \$0\.01 left of the \$1 budget of the API key this work belongs to for the period\./);
  const isRefusedCall = (e: UsageEvent) => e.path === "/api/v1/tasks" && e.status === 429;
  const refusedCall = (await callsWhen(policy.keyId, (all) => all.some(isRefusedCall))).find(isRefusedCall);
  expect(refusedCall).toMatchObject({ model: BUNDLED_MODEL, errorType: "insufficient_quota", promptTokens: 0, completionTokens: 0, costUsd: 0 });

  await spent(1);
  for (const path of ["/api/v1/tasks", "/v1/pipelines/tale/runs"]) {
    const body = path === "/api/v1/tasks" ? { model: BUNDLED_MODEL, prompt: "Hi" } : { input: "Hi", async: true };
    const refused = await post(path, secret, body);
    expect(refused.status, path).toBe(429);
    expect(refused.body.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
  }
});

it("makes a call wait for the key's concurrency slot, then runs it and frees the slot", async () => {
  const { secret, policy } = await putKey({ maxConcurrent: 1 });
  // Another replica's request holds the only slot for another second and a half.
  const heldUntil = Date.now() + 1_500;
  await buckets.limits.put(hashApiKey(secret), encodeMessage(KeyCounters, { v: 1, windows: {}, held: { elsewhere: heldUntil }, spend: null }));
  const queued = await task(secret);
  expect(queued.status, JSON.stringify(queued.body)).toBe(202);
  expect((await finished(secret, queued.body.id)).status).toBe("succeeded");

  const [call] = await callsWhen(policy.keyId, (all) => all.length > 0);
  expect(call!.status).toBe(200);
  // It started once the slot was free, not before.
  expect(call!.at + call!.ttftMs!).toBeGreaterThanOrEqual(heldUntil);
  await waitFor(async () => Object.keys((await counters(secret))?.held ?? { x: 0 }).length === 0);
});
