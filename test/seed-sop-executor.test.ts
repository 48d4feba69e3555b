import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetcherConfig, startModelFetcher, type ModelFetcher } from "@lantern/model-fetcher";
import { startFakeHub, type FakeHub } from "@lantern/model-fetcher/testing";
import { natsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { repoRoot, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";
import { openSocket, type TestSocket } from "./harness/ws-client.js";

// The SOP LLM executor's README (seed 003), replayed call by call against Lantern. Its model names
// are served by the bundled model, so the document's bodies go out exactly as written.
const TASK_MODEL = "claude-3.5-sonnet";
const EMBED_MODEL = "multilingual-e5-large";
const bundled = join(repoRoot, "models", "stories260K.gguf");

let stack: TestStack;
let orchestrator: TestOrchestrator;
let fetcher: ModelFetcher;
let hub: FakeHub;
let hook: Server;
let hookUrl: string;
let modelsDir: string;
let monitor: TestSocket;
const webhookBodies: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), "lantern-sop-models-"));
  await copyFile(bundled, join(modelsDir, "stories260K.gguf"));
  hub = await startFakeHub({ repos: { "ggml-org/models": { files: { "tinyllamas/stories260K.gguf": await readFile(bundled) } } } });
  stack = await startTestStack();
  await stack.startWorker({ MODELS_DIR: modelsDir, INFERENCE_MODELS: `${TASK_MODEL}=stories260K.gguf?slots=2&context=256,${EMBED_MODEL}=stories260K.gguf?slots=1&context=256` });
  orchestrator = await startTestOrchestrator(stack.nats, { ORCHESTRATOR_TASK_POLL_MS: "200", TASK_WEBHOOK_BACKOFF_MS: "100" });
  fetcher = await startModelFetcher({
    config: FetcherConfig.parse({ NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url, FETCHER_SEED_MODEL: "" }),
    logger: createLogger({ service: "sop-test-fetcher", level: "silent" }),
  });
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      webhookBodies.push(JSON.parse(body) as Record<string, unknown>);
      res.end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/callback`;
});

afterAll(async () => {
  await monitor?.close();
  hook?.close();
  await fetcher?.stop();
  await orchestrator?.stop();
  if (stack) {
    await dropPipelinesStream(stack.nats);
    const nc = await connect({ servers: stack.nats.url });
    await jetstreamManager(nc).then((jsm) => jsm.streams.delete(natsNames(stack.nats.namespace).streams.models).catch(() => {}));
    await nc.close();
  }
  await stack?.stop();
  await hub?.close();
  if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.baseUrl}${path}`, { method, headers: { "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("the SOP LLM executor's API on Lantern", () => {
  it("WS /ws/monitor: connects, and subscribes by the document's patterns", async () => {
    monitor = await openSocket(stack.baseUrl, "/ws/monitor");
    const hello = await monitor.next((f) => f.type === "connected");
    expect(hello.available_events).toEqual(expect.arrayContaining(["gpu_stats", "task.queued", "task.progress", "task.completed", "model.loaded"]));
    monitor.send({ type: "subscribe", events: ["task.*", "gpu_stats"] });
    expect(await monitor.next((f) => f.type === "subscribed")).toEqual({ type: "subscribed", events: ["task.*", "gpu_stats"] });
    const gpu = await monitor.next((f) => f.type === "gpu_stats", 0, "gpu_stats from the heartbeats");
    expect(gpu.data.vram_usage).toMatchObject({ total_mb: expect.any(Number), free_mb: expect.any(Number) });
  });

  it("POST /api/v1/tasks with the document's body answers task_id; the task completes, reports, calls the webhook, and is deleted", async () => {
    const created = await call("POST", "/api/v1/tasks", {
      model: TASK_MODEL,
      prompt: "Объясни квантовую запутанность",
      temperature: 0.7,
      max_tokens: 500,
      webhook_url: hookUrl,
      priority: 10.0,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const taskId: string = created.body.task_id;
    expect(taskId).toMatch(/^sop-/);
    expect(created.body).toMatchObject({ model: TASK_MODEL, webhook_url: hookUrl, status: expect.stringMatching(/pending|processing/) });

    let task: any;
    await waitFor(async () => ["completed", "failed"].includes((task = (await call("GET", `/api/v1/tasks/${taskId}`)).body).status), 30_000, "the task to end");
    expect(task.status, JSON.stringify(task)).toBe("completed");
    expect(task.result).toMatchObject({ text: expect.any(String), finish_reason: expect.any(String), usage: { total_tokens: expect.any(Number) } });

    const report = await call("GET", `/api/v1/tasks/${taskId}/report`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ task_id: taskId, status: "completed", priority: "high", usage: { completion_tokens: expect.any(Number) }, workers: [expect.any(String)] });

    for (const type of ["task.queued", "task.started", "task.progress", "task.completed"]) {
      const event = await monitor.next((f) => f.type === type && f.data?.task_id === taskId, 0, type);
      expect(event).toMatchObject({ type, data: { task_id: taskId } });
    }
    await waitFor(() => webhookBodies.length > 0, 10_000, "the webhook");
    expect((await call("DELETE", `/api/v1/tasks/${taskId}`)).status).toBe(204);
  });

  it("Lantern's own task body keeps its own answer on the same path", async () => {
    const res = await call("POST", "/api/v1/tasks", { model: TASK_MODEL, prompt: "Once", params: { max_tokens: 4 } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ object: "task", id: expect.stringMatching(/^task_/) });
  });

  it("bad input gets FastAPI's {detail}", async () => {
    const bad = await call("POST", "/api/v1/tasks", { model: TASK_MODEL, prompt: "x", priority: 500 });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({ loc: ["body", "priority"], msg: expect.any(String) });
    expect((await call("GET", "/api/v1/tasks/sop-task_missing")).body).toEqual({ detail: "Task 'sop-task_missing' not found" });
    expect((await call("POST", "/api/v1/embeddings/similarity", { text1: "a" })).status).toBe(422);
    expect((await call("GET", "/api/v1/models/nope")).body.detail).toContain("not found");
    const notJson = await fetch(`${stack.baseUrl}/api/v1/models/load`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(422);
  });

  it("POST /api/v1/embeddings/similarity with the document's body answers similarity; /embeddings answers vectors", async () => {
    const res = await call("POST", "/api/v1/embeddings/similarity", {
      text1: "Машинное обучение - это область AI",
      text2: "ML является частью искусственного интеллекта",
      model_name: EMBED_MODEL,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.similarity).toBeGreaterThanOrEqual(-1);
    expect(res.body.similarity).toBeLessThanOrEqual(1);
    const vectors = await call("POST", "/api/v1/embeddings", { texts: ["a", "b"], model_name: EMBED_MODEL });
    expect(vectors.body).toMatchObject({ model: EMBED_MODEL, dimensions: expect.any(Number) });
    expect(vectors.body.embeddings).toHaveLength(2);
  });

  it("models: presets, register-from-preset with auto_download, compatibility, get, unload, load, delete", async () => {
    const presets = await call("GET", "/api/v1/models/presets");
    expect(presets.body.local_models.map((p: { name: string }) => p.name)).toContain("stories260k");
    // The document's cloud preset is not in Lantern's catalogue (upstreams are the admin API's): a 404 that says what is.
    const cloud = await call("POST", "/api/v1/models/register-from-preset", { preset_name: "claude-3.5-sonnet", auto_download: true });
    expect(cloud.status).toBe(404);
    expect(cloud.body.detail).toContain("not found");

    const fit = await call("POST", "/api/v1/models/check-compatibility", { preset_name: "stories260k" });
    expect(fit.body).toMatchObject({ compatible: true, required_vram_mb: expect.any(Number), available_vram_mb: expect.any(Number) });

    const registered = await call("POST", "/api/v1/models/register-from-preset", { preset_name: "stories260k", auto_download: true });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({ name: "stories260k", provider: "local", loaded: true });
    await waitFor(async () => (await call("GET", "/api/v1/models/stories260k")).status === 200, 10_000, "the model in the list");
    const list = await call("GET", "/api/v1/models");
    expect(list.body.total).toBe(list.body.models.length);
    expect(list.body.models.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining([TASK_MODEL, "stories260k"]));

    expect((await call("POST", "/api/v1/models/unload", { model_name: "stories260k" })).body).toMatchObject({ status: "unloaded" });
    const loaded = await call("POST", "/api/v1/models/load", { model_name: "stories260k", model_path: "tinyllamas/stories260K.gguf" });
    expect(loaded.status, JSON.stringify(loaded.body)).toBe(200);
    expect(loaded.body.model.loaded).toBe(true);
    expect((await call("DELETE", "/api/v1/models/stories260k")).status).toBe(204);
  });

  it("monitor: health, gpu, queue, stats, and logs (admin only, keys redacted)", async () => {
    expect((await call("GET", "/api/v1/monitor/health")).body).toMatchObject({ status: "healthy", components: { nats: { status: "up" } }, resources: expect.any(Object) });
    expect((await call("GET", "/api/v1/monitor/gpu")).body).toMatchObject({ vram_usage: { used_percent: expect.any(Number) }, is_locked: expect.any(Boolean) });
    expect((await call("GET", "/api/v1/monitor/queue")).body).toMatchObject({ queue_size: expect.any(Number), recent_logs_count: expect.any(Number) });
    expect((await call("GET", "/api/v1/monitor/stats")).body).toMatchObject({ date: expect.any(String) });
    const logs = await call("GET", "/api/v1/monitor/logs?limit=50");
    expect(logs.status).toBe(200);
    expect(logs.body.logs.length).toBeGreaterThan(0);
    expect(logs.body.logs[0]).toMatchObject({ timestamp: expect.any(String), level: expect.any(String), message: expect.any(String) });
  });

  it("serves its OpenAPI document, /docs and /redoc from local assets", async () => {
    const spec = await call("GET", "/openapi.json");
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(["/api/v1/tasks", "/api/v1/models/presets", "/api/v1/embeddings/similarity"]));
    for (const path of ["/docs", "/redoc", "/docs/assets/swagger-ui-bundle.js"]) expect((await fetch(`${stack.baseUrl}${path}`)).status).toBe(200);
  });
});
