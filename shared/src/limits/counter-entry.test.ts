import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { natsNames } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { ensureEdgeBuckets, useReplicas } from "../nats/index.js";
import { startNatsCluster, uniqueNamespace, useTestNats, type TestNats, type TestNatsCluster } from "../testing/index.js";
import { counterWrite, isRevisionConflict, readCounters, storeCounterWrite } from "./counter-entry.js";
import { emptyCounters, type KeyCounters } from "./key-counters.js";

/*
 * A counter write whose ack was lost (its NATS node died after storing it) is repeated as it was.
 * The repeat must be taken as the same write, never as a conflict to decide again on top of it:
 * that would count the same requests twice. A single server answers the repeat as a duplicate; a
 * clustered one (nats-server 2.9) checks the expected revision first and refuses it.
 */

const logger = createLogger({ service: "test", level: "silent" });
// What is stored, asked of the leader: another replica may answer one write behind.
const storedNow = (limits: KV, key: string) => readCounters(limits, key, logger, { fromLeader: true });
const counted = (used: number): KeyCounters => ({ ...emptyCounters(), windows: { "requests:60": { start: 0, used } } });

function behavesOnRepeat(open: () => Promise<KV>) {
  it("takes the repeat of a stored write as that write, and refuses a write decided on a stale revision", async () => {
    const limits = await open();
    // Over an existing entry: a clustered server checks a repeat's revision before its id only then.
    const base = await storeCounterWrite(limits, "key-a", counterWrite(counted(0), await readCounters(limits, "key-a", logger)), logger);
    const write = counterWrite(counted(1), base);
    const stored = await storeCounterWrite(limits, "key-a", write, logger);
    // The same write again, as after a lost ack: the stored entry, not a conflict.
    const repeated = await storeCounterWrite(limits, "key-a", write, logger);
    expect(repeated.revision).toBe(stored.revision);
    expect(repeated.counters.windows).toEqual({ "requests:60": { start: 0, used: 1 } });

    // Another gateway's write on top, then the repeat: still taken as stored, nothing counted again.
    await storeCounterWrite(limits, "key-a", counterWrite(counted(2), stored), logger);
    await storeCounterWrite(limits, "key-a", write, logger);
    expect((await storedNow(limits, "key-a")).counters.windows["requests:60"]!.used).toBe(2);

    // A different write decided on the old revision is a conflict.
    const stale = await storeCounterWrite(limits, "key-a", counterWrite(counted(5), base), logger).catch((err: unknown) => err);
    expect(isRevisionConflict(stale)).toBe(true);
    expect((await storedNow(limits, "key-a")).counters.windows["requests:60"]!.used).toBe(2);
  });

  it("keeps the ids of the last 16 writes in the entry", async () => {
    const limits = await open();
    let state = await readCounters(limits, "key-b", logger);
    const ids: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const write = counterWrite(counted(i), state);
      ids.push(write.id);
      state = await storeCounterWrite(limits, "key-b", write, logger);
    }
    expect((await storedNow(limits, "key-b")).counters.writes).toEqual(ids.slice(-16));
  });
}

describe("limit counter writes on one server", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await useTestNats("cnt");
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });
  behavesOnRepeat(async () => (await ensureEdgeBuckets(nc, natsNames(nats.namespace))).limits);
});

describe("limit counter writes on a 3-node cluster", () => {
  let cluster: TestNatsCluster;
  let nc: NatsConnection;
  const namespace = uniqueNamespace("cnt");
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    nc = await connect({ servers: cluster.url.split(",") });
    useReplicas(nc, 3);
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });
  behavesOnRepeat(async () => (await ensureEdgeBuckets(nc, natsNames(namespace))).limits);
});
