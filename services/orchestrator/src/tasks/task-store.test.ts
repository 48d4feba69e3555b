import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { loadOrchestratorConfig } from "../config.js";
import { openOrchestratorDatabase, type OpenOrchestratorDatabase } from "../db/database.js";
import { tasks } from "../db/schema.js";
import { TaskStore, type NewTask } from "./task-store.js";

let server: TestDatabase;
let database: OpenOrchestratorDatabase;
let store: TaskStore;

// The claims rely on Postgres row locks (SKIP LOCKED), so this runs on the test Postgres server.
beforeAll(async () => {
  server = await useTestDatabase();
  database = await openOrchestratorDatabase({ databaseUrl: server.url, pgliteDir: "" });
  store = new TaskStore(database.db);
});

afterAll(async () => {
  await database?.close();
  await server?.drop();
});

const task = (id: string, priority: NewTask["priority"] = "normal", webhookUrl: string | null = null): NewTask => ({
  id,
  owner: null,
  kind: "model",
  model: "m",
  pipeline: null,
  input: { prompt: "p" },
  params: {},
  priority,
  runId: null,
  webhookUrl,
});

describe("TaskStore", () => {
  it("hands out the highest priority first, then the oldest, and takes over a task whose lease ran out", async () => {
    for (const [id, priority] of [["a", "low"], ["b", "normal"], ["c", "high"], ["d", "normal"]] as const) await store.create(task(id, priority));
    const order = [];
    for (let next = await store.claim("r1", 60_000); next; next = await store.claim("r1", 60_000)) order.push(next.id);
    expect(order).toEqual(["c", "b", "d", "a"]);

    // The orchestrator holding `b` died: once its lease is past, another takes it, as a second attempt.
    await database.db.update(tasks).set({ leaseUntil: sql`now() - interval '1 second'` }).where(eq(tasks.id, "b"));
    const taken = await store.claim("r2", 60_000);
    expect(taken).toMatchObject({ id: "b", leaseOwner: "r2", attempts: 2 });
    expect(await store.renew("b", "r1", 60_000)).toBeUndefined();
    expect(await store.finish("b", "r1", { status: "succeeded" })).toBeUndefined();
    expect(await store.finish("b", "r2", { status: "succeeded", result: "ok" })).toMatchObject({ status: "succeeded", result: "ok" });
  });

  it("removes finished tasks past their retention and keeps the rest", async () => {
    await store.create(task("old"));
    await store.create(task("recent"));
    await store.create(task("waiting"));
    await store.cancel("old", null);
    await store.cancel("recent", null);
    await database.db.update(tasks).set({ finishedAt: sql`now() - interval '25 hours'` }).where(eq(tasks.id, "old"));
    const retentionMs = loadOrchestratorConfig({}).TASK_RETENTION_HOURS * 3_600_000;
    expect(retentionMs).toBe(24 * 3_600_000);
    expect(await store.sweep(retentionMs)).toBeGreaterThanOrEqual(1);
    expect(await store.get("old", null)).toBeUndefined();
    expect(await store.get("recent", null)).toBeDefined();
    expect(await store.get("waiting", null)).toBeDefined();
  });

  it("makes a webhook due at the end and holds a claimed delivery from other replicas", async () => {
    await store.create(task("hooked", "normal", "http://127.0.0.1:9/hook"));
    const result = await store.cancel("hooked", null);
    expect(result?.task.webhookState).toBe("pending");
    const claimed = await store.claimWebhook(60_000);
    expect(claimed).toMatchObject({ id: "hooked", webhookAttempts: 1 });
    expect(await store.claimWebhook(60_000)).toBeUndefined();
    await store.recordDelivery("hooked", { attempt: 1, statusCode: null, error: "refused", ms: 1 }, { state: "failed" });
    const stored = await store.get("hooked", null);
    expect(stored?.task.webhookState).toBe("failed");
    expect(stored?.deliveries.map((d) => d.error)).toEqual(["refused"]);
  });
});
