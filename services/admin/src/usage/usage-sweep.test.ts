import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@lantern/shared/database";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { openDatabase } from "../db/database.js";
import { usageEvents } from "../db/schema.js";
import { testAdminDeps, usageEvent, usagePublisher, waitFor } from "./test-fixtures.js";
import { ensureUsageConsumer } from "./usage-consumer.js";
import { insertUsageEvents } from "./usage-rows.js";
import { UsageSweep } from "./usage-sweep.js";

/*
 * A consumer that lost its leader can count as done events it never handed to admin. Here they are
 * taken from the consumer and acked by another client, as such a consumer moves past them; a sweep
 * after a disturbance stores them all the same, and only them.
 */

describe("usage sweep", () => {
  let nats: TestNats;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    nats = await useTestNats("usage-sweep");
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await nats?.stop();
  });

  it("stores the events a disturbed consumer passed over, from just before the last one acked", async () => {
    const pg = await useTestDatabase();
    const db = await openDatabase({ databaseUrl: pg.url, pgliteDir: "" });
    cleanups.push(async () => (await db.close(), await pg.drop()));
    const deps = await testAdminDeps({ natsUrl: nats.url, namespace: nats.namespace, db: db.db });
    cleanups.push(() => deps.nats.nc.close());
    const publisher = await usagePublisher(deps.nats, deps.names);
    await ensureUsageConsumer(await jetstreamManager(deps.nats.nc), deps.names);

    const events = Array.from({ length: 12 }, () => usageEvent());
    for (const event of events) await publisher.publish(event);
    // Every event is handed out and acked, but only the first four were stored.
    const consumer = await jetstream(deps.nats.nc).consumers.get(deps.names.streams.events, deps.names.consumers.usageStore);
    const seqs: number[] = [];
    for await (const msg of await consumer.fetch({ max_messages: events.length, expires: 2_000 })) {
      seqs.push(msg.seq);
      await msg.ackAck();
      if (seqs.length === events.length) break;
    }
    await insertUsageEvents(db.db, events.slice(0, 4));

    const swept: number[] = [];
    const sweep = new UsageSweep(deps, { startedAt: 0, delayMs: 50, onStored: (n) => swept.push(n) });
    cleanups.push(() => sweep.stop());
    sweep.acked(seqs[3]!);
    sweep.disturbed();
    await waitFor(() => swept.length > 0, 10_000, "the sweep");
    expect(swept).toEqual([8]);
    const stored = await db.db.select({ id: usageEvents.id }).from(usageEvents).where(inArray(usageEvents.id, events.map((e) => e.id)));
    expect(stored).toHaveLength(events.length);
  });
});
