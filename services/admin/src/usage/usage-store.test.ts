import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { count, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import type { AdminDeps } from "../admin-deps.js";
import { openDatabase, type OpenDatabase } from "../db/database.js";
import { usageEvents } from "../db/schema.js";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { testAdminDeps, usageEvent, usagePublisher, waitFor } from "./test-fixtures.js";
import { insertUsageEvents } from "./usage-rows.js";
import { startUsageStore } from "./usage-store.js";

const rowCount = async (db: OpenDatabase) => (await db.db.select({ n: count() }).from(usageEvents))[0]!.n;

/** Events the durable consumer has not seen acked yet (waiting or handed out). */
async function unacked(deps: AdminDeps): Promise<number> {
  const jsm = await jetstreamManager(deps.nats.nc);
  const info = await jsm.consumers.info(deps.names.streams.events, deps.names.consumers.usageStore);
  return info.num_pending + info.num_ack_pending;
}

/** A TCP hop in front of Postgres that the test can cut (connections refused, open ones dropped) and restore. */
async function startCuttableProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
  };
}

describe("usage store", () => {
  let nats: TestNats;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    nats = await useTestNats("usage");
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await nats?.stop();
  });

  /** Duplicates the way they happen: a publish retried with the same msgID, the same event sent again, a store that died after its insert. */
  async function storesEachEventOnce(db: OpenDatabase, namespace: string) {
    const deps = await testAdminDeps({ natsUrl: nats.url, namespace, db: db.db });
    cleanups.push(() => deps.nats.nc.close());
    const publisher = await usagePublisher(deps.nats, deps.names);
    const events = Array.from({ length: 40 }, (_, i) => usageEvent({ at: Date.now() - i * 1000 }));
    // A routed request names the step's model that served it.
    events[0] = { ...events[0]!, model: "a-route", servedModel: "the-step-model" };
    // A request whose worker took part of the prompt from its prompt cache.
    events[1] = { ...events[1]!, promptTokens: 10, cachedTokens: 7 };
    for (const e of events) await publisher.publish(e);
    // An event from a gateway that predates `servedModel` and `cachedTokens`: stored all the same,
    // the fields null and 0.
    const { servedModel: _absent, cachedTokens: _absentToo, ...older } = usageEvent({ id: "ev_older_gateway" });
    await publisher.publishRaw(JSON.stringify(older));
    // A gateway retrying its publish: deduplicated by the stream.
    for (const e of events.slice(0, 5)) await publisher.publish(e);
    // The same event reaching the stream twice (outside the dedupe window): stored once by id.
    for (const e of events.slice(5, 10)) await publisher.publish(e, `${e.id}-again`);
    // Stored by a store that died before acking: redelivered, skipped by the insert.
    await insertUsageEvents(db.db, events.slice(10, 14));
    await publisher.publishRaw("{not json");
    await publisher.publishRaw(JSON.stringify({ v: 1, type: "usage", id: "missing-fields" }));

    const store = await startUsageStore(deps, { maxBatch: 16 });
    cleanups.push(() => store.stop());
    await waitFor(async () => (await unacked(deps)) === 0, 30_000, "every usage message acked or terminated");
    expect(await rowCount(db)).toBe(41);
    const served = await db.db
      .select({ id: usageEvents.id, model: usageEvents.model, servedModel: usageEvents.servedModel, promptTokens: usageEvents.promptTokens, cachedTokens: usageEvents.cachedTokens })
      .from(usageEvents)
      .where(inArray(usageEvents.id, [events[0]!.id, events[1]!.id, "ev_older_gateway"]));
    expect(served.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: events[0]!.id, model: "a-route", servedModel: "the-step-model", promptTokens: 10, cachedTokens: 0 },
        { id: events[1]!.id, model: "stories260K", servedModel: null, promptTokens: 10, cachedTokens: 7 },
        { id: "ev_older_gateway", model: "stories260K", servedModel: null, promptTokens: 10, cachedTokens: 0 },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const status = store.status();
    expect(status.rejected).toBe(2);
    expect(status.stored).toBe(37);
    expect(status.lastError).toBeNull();
    await store.stop();
    expect(store.status().state).toBe("stopped");
  }

  it("stores every event exactly once on Postgres", async () => {
    const pg = await useTestDatabase();
    cleanups.push(() => pg.drop());
    const db = await openDatabase({ databaseUrl: pg.url, pgliteDir: "" });
    cleanups.push(() => db.close());
    await storesEachEventOnce(db, `${nats.namespace}pg`);
  });

  it("stores every event exactly once on PGlite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lantern-usage-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const db = await openDatabase({ pgliteDir: dir });
    cleanups.push(() => db.close());
    await storesEachEventOnce(db, `${nats.namespace}lite`);
  });

  it("recreates its consumer when it was deleted, and the replay from the start stores nothing twice", async () => {
    const pg = await useTestDatabase();
    cleanups.push(() => pg.drop());
    const db = await openDatabase({ databaseUrl: pg.url, pgliteDir: "" });
    cleanups.push(() => db.close());
    const deps = await testAdminDeps({ natsUrl: nats.url, namespace: `${nats.namespace}gone`, db: db.db });
    cleanups.push(() => deps.nats.nc.close());
    const publisher = await usagePublisher(deps.nats, deps.names);
    const store = await startUsageStore(deps, { retryMinMs: 100, retryMaxMs: 400 });
    cleanups.push(() => store.stop());
    for (let i = 0; i < 10; i++) await publisher.publish(usageEvent());
    await waitFor(async () => (await rowCount(db)) === 10, 30_000, "first events stored");

    const jsm = await jetstreamManager(deps.nats.nc);
    await jsm.consumers.delete(deps.names.streams.events, deps.names.consumers.usageStore);
    for (let i = 0; i < 10; i++) await publisher.publish(usageEvent());
    await waitFor(async () => (await rowCount(db)) === 20 && (await unacked(deps)) === 0, 30_000, "events after the deletion stored");
    expect(await rowCount(db)).toBe(20);
    expect(store.status().stored).toBe(20);
  });

  it("keeps events in the stream while Postgres is unreachable and stores each once when it returns", async () => {
    const pg: TestDatabase = await useTestDatabase();
    cleanups.push(() => pg.drop());
    const direct = await openDatabase({ databaseUrl: pg.url, pgliteDir: "" });
    cleanups.push(() => direct.close());
    const target = new URL(pg.url);
    const proxy = await startCuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.cut());
    const viaProxy = new URL(pg.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const db = await openDatabase({ databaseUrl: viaProxy.toString(), pgliteDir: "" });
    cleanups.push(() => db.close());

    const deps = await testAdminDeps({ natsUrl: nats.url, namespace: `${nats.namespace}down`, db: db.db });
    cleanups.push(() => deps.nats.nc.close());
    const publisher = await usagePublisher(deps.nats, deps.names);
    const store = await startUsageStore(deps, { retryMinMs: 100, retryMaxMs: 400 });
    cleanups.push(() => store.stop());

    const before = Array.from({ length: 10 }, () => usageEvent());
    for (const e of before) await publisher.publish(e);
    await waitFor(async () => (await rowCount(direct)) === 10 && (await unacked(deps)) === 0, 30_000, "first events stored");

    await proxy.cut();
    const during = Array.from({ length: 25 }, () => usageEvent({ keyId: "key_during" }));
    for (const e of during) await publisher.publish(e);
    await waitFor(() => store.status().state === "retrying", 30_000, "the store to notice the database is gone");
    // Give it several retries' worth of time: nothing is acked, nothing is stored.
    await sleep(1_500);
    expect(await unacked(deps)).toBe(25);
    expect(await rowCount(direct)).toBe(10);
    expect(store.status().lastError).not.toBeNull();
    expect(store.status().lag).toBeGreaterThan(0);

    // A retried publish while the database is away changes nothing either.
    for (const e of during.slice(0, 5)) await publisher.publish(e);
    await proxy.restore();
    await waitFor(async () => (await unacked(deps)) === 0, 30_000, "the waiting events stored after the database returned");
    expect(await rowCount(direct)).toBe(35);
    const stored = await direct.db.select({ id: usageEvents.id }).from(usageEvents);
    expect(new Set(stored.map((r) => r.id))).toEqual(new Set([...before, ...during].map((e) => e.id)));
    expect(store.status().state).toBe("storing");
  });
});
