import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createLogger } from "../logging/index.js";
import { startNatsCluster, uniqueNamespace, waitFor, type TestNatsCluster } from "../testing/index.js";
import { kvStreamName } from "./kv-keys.js";
import { followBucket } from "./bucket-follower.js";

const logger = createLogger({ service: "test", level: "silent" });

/*
 * A follower's watch is a consumer on one node of the cluster. Losing that node must not leave the
 * follower blind: a key written afterwards still reaches it (nats.js alone would notice the lost
 * consumer only after a minute of missed idle heartbeats).
 */
describe("followBucket on a 3-node cluster", () => {
  let cluster: TestNatsCluster;
  let reader: NatsConnection;
  let writer: NatsConnection;
  const bucket = uniqueNamespace("follow");

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    const servers = cluster.url.split(",");
    reader = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    writer = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await cluster?.stop();
  });

  async function putThroughElection(kv: KV, key: string, value: string): Promise<void> {
    await waitFor(async () => kv.put(key, value).then(() => true, () => false), 30_000, `put ${key}`);
  }

  it("delivers entries written after the node holding its watch is killed", async () => {
    const readerKv = await new Kvm(reader).create(bucket, { replicas: 3, history: 1 });
    await readerKv.put("before", "1");
    const seen = new Map<string, { value: string; replayed: boolean }>();
    const follower = await followBucket({
      kv: readerKv,
      what: bucket,
      logger,
      checkMs: 500,
      onEntry: (entry, replayed) => seen.set(entry.key, { value: entry.string(), replayed }),
    });
    try {
      expect(seen.get("before")).toEqual({ value: "1", replayed: true });
      await readerKv.put("changed", "2");
      await waitFor(async () => seen.has("changed"), 5_000, "a change to be delivered");
      expect(seen.get("changed")!.replayed).toBe(false);

      // The node holding the watch's consumer (the one not listing keys) dies.
      const jsm = await jetstreamManager(writer);
      const consumers = await jsm.consumers.list(kvStreamName(bucket)).next();
      const watchNode = consumers.find((c) => !c.config.headers_only)?.cluster?.leader;
      expect(watchNode).toBeDefined();
      await cluster.kill(watchNode!);

      const writerKv = await new Kvm(writer).open(bucket);
      await putThroughElection(writerKv, "after", "3");
      await waitFor(async () => seen.get("after")?.value === "3", 20_000, "the entry written after the loss");
      await cluster.restart(watchNode!);
      await putThroughElection(writerKv, "later", "4");
      await waitFor(async () => seen.get("later")?.value === "4", 20_000, "the entry written after the restart");
    } finally {
      follower.stop();
    }
  }, 90_000);
});
