import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import type { AdminDeps } from "../services/admin/src/admin-deps.js";
import { openDatabase, type OpenDatabase } from "../services/admin/src/db/database.js";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { registryApi } from "../services/admin/src/registry/registry-api.js";
import { eventsApi } from "../services/admin/src/usage/events-api.js";
import { testAdminDeps, usageEvent, usagePublisher, waitFor } from "../services/admin/src/usage/test-fixtures.js";
import { startUsageStore, type UsageStore } from "../services/admin/src/usage/usage-store.js";
import { repoRoot, startTestStack, type TestStack, BUNDLED_MODEL } from "./harness/test-stack.js";

async function unacked(deps: AdminDeps): Promise<number> {
  const info = await (await jetstreamManager(deps.nats.nc)).consumers.info(deps.names.streams.events, deps.names.consumers.usageStore);
  return info.num_pending + info.num_ack_pending;
}

describe("usage events from gateways to the events API", () => {
  let nats: TestNats;
  let pg: TestDatabase;
  let db: OpenDatabase;
  const replicas: AdminDeps[] = [];
  const gateways: AdminDeps[] = [];
  const stores: UsageStore[] = [];
  let api: ReturnType<typeof eventsApi>;

  beforeAll(async () => {
    nats = await useTestNats("usageflow");
    pg = await useTestDatabase();
    db = await openDatabase({ databaseUrl: pg.url, pgliteDir: "" });
    // Two admin replicas and three gateways, each with its own NATS connection.
    for (let i = 0; i < 2; i++) replicas.push(await testAdminDeps({ natsUrl: nats.url, namespace: nats.namespace, db: db.db }));
    for (let i = 0; i < 3; i++) gateways.push(await testAdminDeps({ natsUrl: nats.url, namespace: nats.namespace, db: db.db }));
    // The routers answer requests on their own; the admin app mounts them at the same paths.
    api = eventsApi(replicas[0]!);
  });

  afterAll(async () => {
    for (const s of stores) await s.stop();
    for (const d of [...replicas, ...gateways]) await d.nats.nc.close();
    await db?.close();
    await pg?.drop();
    await nats?.stop();
  });

  const published = new Map<string, ReturnType<typeof usageEvent>>();

  it("stores each of many concurrently published events once across two admin replicas", async () => {
    for (const deps of replicas) stores.push(await startUsageStore(deps, { maxBatch: 32 }));
    const keys = ["key_a", "key_b", "key_c", null];
    await Promise.all(
      gateways.map(async (gw, g) => {
        const publisher = await usagePublisher(gw.nats, gw.names);
        for (let i = 0; i < 100; i++) {
          const event = usageEvent({
            gatewayId: `gw${g}`,
            keyId: keys[i % keys.length]!,
            model: i % 3 === 0 ? "m-big" : "m-small",
            promptTokens: i,
            cachedTokens: i % 4,
            completionTokens: 2 * i,
            costUsd: i / 1000,
            status: i % 10 === 0 ? 503 : 200,
          });
          published.set(event.id, event);
          await publisher.publish(event);
          // A gateway's retried publish, and the same event arriving again under another message id.
          if (i % 7 === 0) await publisher.publish(event);
          if (i % 11 === 0) await publisher.publish(event, `${event.id}:retry`);
        }
      }),
    );
    await waitFor(async () => (await unacked(replicas[0]!)) === 0, 60_000, "all usage events stored");
    const page = (await (await api.request("/api/events?limit=1000")).json()) as any;
    expect(page.events).toHaveLength(300);
    expect(new Set(page.events.map((e: { id: string }) => e.id))).toEqual(new Set(published.keys()));
    // New rows counted by each replica add up to one per event: nothing was inserted twice.
    expect(stores.reduce((sum, s) => sum + s.status().stored, 0)).toBe(300);
  });

  it("aggregates what the gateways reported", async () => {
    const body = (await (await api.request("/api/events/aggregates?groupBy=key")).json()) as any;
    for (const group of body.groups as Array<{ group: string | null; requests: number; errors: number; promptTokens: number; cachedTokens: number; completionTokens: number; costUsd: number }>) {
      const mine = [...published.values()].filter((e) => e.keyId === group.group);
      expect(group.requests).toBe(mine.length);
      expect(group.errors).toBe(mine.filter((e) => e.status >= 400).length);
      expect(group.promptTokens).toBe(mine.reduce((s, e) => s + e.promptTokens, 0));
      expect(group.cachedTokens).toBe(mine.reduce((s, e) => s + (e.cachedTokens ?? 0), 0));
      expect(group.completionTokens).toBe(mine.reduce((s, e) => s + e.completionTokens, 0));
      expect(group.costUsd).toBeCloseTo(mine.reduce((s, e) => s + e.costUsd, 0), 9);
    }
    expect(body.groups.map((g: { requests: number }) => g.requests).reduce((a: number, b: number) => a + b, 0)).toBe(300);
  });

  it("resumes where it left off after every admin replica was stopped", async () => {
    for (const s of stores.splice(0)) await s.stop();
    const publisher = await usagePublisher(gateways[0]!.nats, gateways[0]!.names);
    const later = Array.from({ length: 50 }, () => usageEvent({ keyId: "key_later" }));
    for (const e of later) await publisher.publish(e);
    expect(await unacked(replicas[0]!)).toBe(50);
    const store = await startUsageStore(replicas[1]!);
    stores.push(store);
    await waitFor(async () => (await unacked(replicas[0]!)) === 0, 30_000, "the later events stored");
    const page = (await (await api.request("/api/events?keyId=key_later&limit=1000")).json()) as any;
    expect(page.events).toHaveLength(50);
    expect(store.status().stored).toBe(50);
    await waitFor(() => store.status().lag === 0, 10_000, "the store to report no lag");
  });
});

describe("model registry with a real worker", () => {
  let stack: TestStack;
  let deps: AdminDeps;
  let db: OpenDatabase;
  let registryDb: TestDatabase;

  beforeAll(async () => {
    stack = await startTestStack();
    registryDb = await useTestDatabase();
    db = await openDatabase({ databaseUrl: registryDb.url, pgliteDir: "" });
    deps = await testAdminDeps({ natsUrl: stack.nats.url, namespace: stack.nats.namespace, db: db.db, modelsDir: join(repoRoot, "models") });
  });

  afterAll(async () => {
    await deps?.nats.nc.close();
    await db?.close();
    await registryDb?.drop();
    await stack?.stop();
  });

  it("shows the bundled model on disk and loaded on the worker that serves it", async () => {
    const api = registryApi(deps);
    const before = await (await api.request(`/api/models/${BUNDLED_MODEL}`)).json();
    expect(before).toMatchObject({ onDisk: true, architecture: "llama", loadedOn: [] });

    const { worker } = await stack.startWorker();
    let model: any;
    await waitFor(async () => {
      model = await (await api.request(`/api/models/${BUNDLED_MODEL}`)).json();
      return model.loadedOn.some((p: { state: string }) => p.state === "loaded");
    }, 60_000, "the worker's heartbeat to show the model loaded");
    expect(model.loadedOn).toEqual([expect.objectContaining({ workerId: worker.workerId, state: "loaded", slots: 2 })]);
    expect(model.firstServedAt).toEqual(expect.any(String));
  }, 180_000); // a first model load on a cold, busy machine can take a while
});
