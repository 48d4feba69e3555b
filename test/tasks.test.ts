import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, natsNames, TaskEvent, type TaskReport, type TaskView, type UsageEvent } from "@lantern/shared/contracts";
import { usageEventsInStream } from "@lantern/shared/testing";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { repoRoot, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

const SECRET = "test-webhook-secret";
// A model the fleet knows but no live worker serves until a test starts one: tasks for it wait.
const SLOW_MODEL = "tortoise";
const TORTOISE = `${SLOW_MODEL}=stories260K.gguf?slots=1&context=256`;

let stack: TestStack;
let orchestrator: TestOrchestrator;
let pipelinesDir: string;
let nc: NatsConnection;
let hook: Server;
const deliveries: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  pipelinesDir = mkdtempSync(join(tmpdir(), "lantern-task-pipelines-"));
  // `sloth` is on disk but no worker ever serves it: a stage of it waits until it is stopped.
  writeFileSync(join(pipelinesDir, "models.yaml"), `models_directory: ${join(repoRoot, "models")}\nmodels:\n  teller:\n    file: stories260K.gguf\n  sloth:\n    file: stories260K.gguf\n`);
  writeFileSync(join(pipelinesDir, "idle.yaml"), "base_pipeline:\n  stages:\n    - {name: wait, type: single, model: sloth, max_tokens: 4}\n");
  writeFileSync(join(pipelinesDir, "tale.yaml"), "base_pipeline:\n  stages:\n    - {name: tell, type: single, model: teller, max_tokens: 12}\n");

  stack = await startTestStack();
  await stack.startWorker({ INFERENCE_MODELS: "stories260K=stories260K.gguf?slots=2&context=256,teller=stories260K.gguf?slots=1&context=256" });
  // Makes the slow model known to the fleet, then goes away.
  const once = await stack.startWorker({ INFERENCE_MODELS: TORTOISE });
  await once.worker.stop();
  orchestrator = await startTestOrchestrator(stack.nats, {
    PIPELINES_DIR: pipelinesDir,
    ORCHESTRATOR_TASK_CONCURRENCY: "1",
    ORCHESTRATOR_TASK_POLL_MS: "200",
    ORCHESTRATOR_QUEUE_TIMEOUT_MS: "60000",
    TASK_WEBHOOK_SECRET: SECRET,
    TASK_WEBHOOK_BACKOFF_MS: "100",
  });
  nc = await connect({ servers: stack.nats.url });

  let calls = 0;
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = ++calls === 1 ? 500 : 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  hook?.close();
  await nc?.close();
  await orchestrator?.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await stack?.stop();
  rmSync(pipelinesDir, { recursive: true, force: true });
});

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body as T;
}

const submit = async (body: Record<string, unknown>) => json<TaskView>(await send("POST", "/api/v1/tasks", body), 202);
const getTask = async (id: string) => json<TaskView>(await send("GET", `/api/v1/tasks/${id}`));
async function ended(id: string): Promise<TaskView> {
  await waitFor(async () => ["succeeded", "failed", "cancelled"].includes((await getTask(id)).status), 60_000, `task ${id} to end`);
  return getTask(id);
}

describe("async tasks", () => {
  it("cancels a running task: its generation is withdrawn and it ends cancelled", async () => {
    const task = await submit({ model: SLOW_MODEL, prompt: "Once upon a time", params: { max_tokens: 8 } });
    // An idle runner may claim it before the answer to the POST is written.
    expect(["queued", "running"]).toContain(task.status);
    await waitFor(async () => (await getTask(task.id)).status === "running");
    const cancelled = await json<TaskView>(await send("DELETE", `/api/v1/tasks/${task.id}`));
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.error).toBe("cancelled while running");
  });

  it("cancels a running pipeline task: its run ends cancelled, and its event stream says so and ends", async () => {
    const task = await submit({ pipeline: "idle", prompt: "Once upon a time" });
    await waitFor(async () => (await getTask(task.id)).status === "running");
    const cancelled = await json<TaskView>(await send("DELETE", `/api/v1/tasks/${task.id}`));
    expect(cancelled.status).toBe("cancelled");
    const run = await json<{ status: string; error: string | null }>(await send("GET", `/v1/pipelines/runs/${cancelled.runId}`));
    expect(run).toMatchObject({ status: "cancelled", error: "cancelled with its task" });
    // A follower of the run's events gets its last event and the end of the stream, not a wait.
    const events = await (await send("GET", `/v1/pipelines/runs/${cancelled.runId}/events`)).text();
    expect(events).toContain('"type":"run.cancelled"');
  });

  it("runs a higher priority first; a cancelled queued task never runs", async () => {
    const params = { max_tokens: 4 };
    const first = await submit({ model: SLOW_MODEL, prompt: "Once", priority: "low", params });
    // The one runner holds it, waiting for a worker: everything after it queues.
    await waitFor(async () => (await getTask(first.id)).status === "running");
    const lows = [];
    for (let i = 0; i < 3; i++) lows.push(await submit({ model: SLOW_MODEL, prompt: `Low ${i}`, priority: "low", params }));
    const dropped = await submit({ model: SLOW_MODEL, prompt: "Never", priority: "high", params });
    const high = await submit({ model: SLOW_MODEL, prompt: "High", priority: "high", params });
    const cancelled = await json<TaskView>(await send("DELETE", `/api/v1/tasks/${dropped.id}`));
    expect(cancelled.status).toBe("cancelled");

    await stack.startWorker({ INFERENCE_MODELS: TORTOISE });
    const done = await Promise.all([first, ...lows, high].map((t) => ended(t.id)));
    for (const t of done) expect(t.status, t.error ?? "").toBe("succeeded");
    const highStarted = Date.parse(done.at(-1)!.startedAt!);
    for (const low of done.slice(1, -1)) expect(Date.parse(low.startedAt!)).toBeGreaterThan(highStarted);

    const never = await getTask(dropped.id);
    expect(never).toMatchObject({ status: "cancelled", startedAt: null, attempts: 0 });
  });

  it("reports a model task's worker, tokens and timings, and publishes its events", async () => {
    const task = await ended((await submit({ model: "stories260K", messages: [{ role: "user", content: "Once upon a time" }], params: { max_tokens: 6, seed: 1 } })).id);
    expect(task.status).toBe("succeeded");
    expect(task.result!.length).toBeGreaterThan(0);
    const report = await json<TaskReport>(await send("GET", `/api/v1/tasks/${task.id}/report`));
    expect(report.workerIds).toHaveLength(1);
    expect(report.usage.promptTokens).toBeGreaterThan(0);
    expect(report.usage.completionTokens).toBeGreaterThan(0);
    expect(report.usage.completionTokens).toBeLessThanOrEqual(6);
    expect(report.timings.generateMs).not.toBeNull();
    expect(report.timings.totalMs).toBeGreaterThanOrEqual(report.timings.runMs!);

    const names = natsNames(stack.nats.namespace);
    const jsm = await jetstreamManager(nc);
    const last = await jsm.streams.getMessage(names.streams.events, { last_by_subj: names.subjects.taskEvents(task.id) });
    expect(decodeMessage(TaskEvent, last!.data)).toMatchObject({ taskId: task.id, type: "done", status: "succeeded" });

    // Its model call is counted like a request's: one usage event with the real tokens.
    let usage: UsageEvent[] = [];
    await waitFor(async () => (usage = (await usageEventsInStream(nc, names)).filter((e) => e.requestId.startsWith(task.id))).length > 0);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      id: `${task.id}-a1`,
      keyId: null,
      path: "/api/v1/tasks",
      model: "stories260K",
      status: 200,
      workerIds: report.workerIds,
      promptTokens: report.usage.promptTokens,
      completionTokens: report.usage.completionTokens,
    });
  });

  it("runs a pipeline task through its run", async () => {
    const task = await ended((await submit({ pipeline: "tale", prompt: "Once upon a time" })).id);
    expect(task.status, task.error ?? "").toBe("succeeded");
    expect(task.runId).toMatch(/^run_/);
    const run = await json<{ status: string; output: string }>(await send("GET", `/v1/pipelines/runs/${task.runId}`));
    expect(run.status).toBe("succeeded");
    expect(task.result).toBe(run.output);

    // Its stage's model call is counted as the task's, with the real tokens of the task's report.
    const report = await json<TaskReport>(await send("GET", `/api/v1/tasks/${task.id}/report`));
    const names = natsNames(stack.nats.namespace);
    let usage: UsageEvent[] = [];
    await waitFor(async () => (usage = (await usageEventsInStream(nc, names)).filter((e) => e.requestId.startsWith(task.runId!))).length > 0);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      keyId: null,
      path: "/api/v1/tasks",
      model: "teller",
      status: 200,
      promptTokens: report.usage.promptTokens,
      completionTokens: report.usage.completionTokens,
    });
  });

  it("takes a grammar or a JSON schema in a model task's params, and per stage in a pipeline task's", async () => {
    const yesNo = await ended((await submit({ model: "stories260K", prompt: "Once", params: { max_tokens: 8, grammar: 'root ::= "yes" | "no"' } })).id);
    expect(["yes", "no"]).toContain(yesNo.result);
    const schema = { type: "object", properties: { n: { type: "integer", minimum: 1, maximum: 9 } }, required: ["n"], additionalProperties: false };
    const json = await ended((await submit({ model: "stories260K", prompt: "Once", params: { max_tokens: 40, response_format: { type: "json_schema", json_schema: { name: "n", schema } } } })).id);
    const { n } = JSON.parse(json.result!) as { n: number };
    expect(n >= 1 && n <= 9).toBe(true);
    const staged = await ended((await submit({ pipeline: "tale", prompt: "Once", params: { tell: { grammar: 'root ::= "the end"' } } })).id);
    expect(staged.result).toBe("the end");
  });

  it("signs its webhook and tries again after a 500, recording both attempts", async () => {
    const { port } = hook.address() as AddressInfo;
    const task = await submit({ model: "stories260K", prompt: "Once", params: { max_tokens: 4 }, webhook_url: `http://127.0.0.1:${port}/hook` });
    await waitFor(async () => (await getTask(task.id)).webhook?.state === "delivered", 30_000, "the webhook delivered");
    const settled = await getTask(task.id);
    expect(settled.webhook!.deliveries.map((d) => [d.attempt, d.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(deliveries).toHaveLength(2);
    const second = deliveries[1]!;
    const timestamp = String(second.headers["x-lantern-timestamp"]);
    const expected = `sha256=${createHmac("sha256", SECRET).update(`${timestamp}.${second.body}`).digest("hex")}`;
    expect(second.headers["x-lantern-signature"]).toBe(expected);
    expect(JSON.parse(second.body)).toMatchObject({ id: task.id, status: "succeeded", result: settled.result });
  });

  it("refuses bad input with the OpenAI error shape", async () => {
    const error = async (res: Response, status: number) => (await json<{ error: { param: string | null; code: string | null } }>(res, status)).error;
    expect((await error(await send("POST", "/api/v1/tasks", { model: "stories260K", prompt: "x", webhook_url: "ftp://example.com/x" }), 400)).param).toBe("webhook_url");
    expect((await error(await send("POST", "/api/v1/tasks", { model: "no-such-model", prompt: "x" }), 404)).param).toBe("model");
    expect((await error(await send("POST", "/api/v1/tasks", { pipeline: "no-such-pipeline", prompt: "x" }), 404)).param).toBe("pipeline");
    expect((await error(await send("POST", "/api/v1/tasks", { prompt: "x" }), 400)).param).toBe("model");
    // A numeric priority is the SOP executor's body (test/seed-sop-executor.test.ts); Lantern's names a class.
    expect((await error(await send("POST", "/api/v1/tasks", { model: "stories260K", prompt: "x", priority: "urgent" }), 400)).param).toBe("priority");
    const badGrammar = await error(await send("POST", "/api/v1/tasks", { model: "stories260K", prompt: "x", params: { grammar: 'root ::= "a" (' } }), 400);
    expect(badGrammar).toMatchObject({ param: "params.grammar" });
    expect((badGrammar as unknown as { message: string }).message).toMatch(/line 1, column \d+/);
    const badSchema = { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { x: { not: {} } } } } };
    expect((await error(await send("POST", "/api/v1/tasks", { model: "stories260K", prompt: "x", params: { response_format: badSchema } }), 400)).param).toBe("params.response_format.json_schema.schema");
    for (const path of ["/api/v1/tasks/task_nope", "/api/v1/tasks/task_nope/report"]) expect((await error(await send("GET", path), 404)).code).toBe("task_not_found");
    expect((await error(await send("DELETE", "/api/v1/tasks/task_nope"), 404)).code).toBe("task_not_found");
  });
});
