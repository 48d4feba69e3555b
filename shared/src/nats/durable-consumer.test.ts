import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { natsNames } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { useTestNats, type TestNats } from "../testing/index.js";
import { connectNats, type NatsLink } from "./connect.js";
import { ensureDurableConsumer, ensureEventsStream } from "./resources.js";

/*
 * A durable consumer made by an earlier start keeps its name and its place in the stream, but
 * takes the ack wait and delivery limit the service now asks for: a setting lowered in a new
 * version (or in the environment) takes effect without deleting the consumer.
 */

describe("ensureDurableConsumer", () => {
  let testNats: TestNats;
  let link: NatsLink;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    testNats = await useTestNats("durable");
    link = await connectNats({ url: testNats.url, name: "durable-test", logger: createLogger({ service: "durable-test", level: "silent" }) });
    jsm = await jetstreamManager(link.nc);
  });
  afterAll(async () => {
    await link?.nc.close();
    await testNats?.stop();
  });

  it("brings an existing consumer's ack wait and delivery limit to what is asked, keeping its place", async () => {
    const names = natsNames(testNats.namespace);
    await ensureEventsStream(jsm, names);
    const stream = names.streams.events;
    const durable = "durable_test_store";
    await ensureDurableConsumer(jsm, stream, { durable, filterSubject: names.subjects.usageEvent, ackWaitMs: 30_000, maxDeliver: -1 });
    link.nc.publish(names.subjects.usageEvent, "{}");
    await link.nc.flush();
    const before = await jsm.consumers.info(stream, durable);

    await ensureDurableConsumer(jsm, stream, { durable, filterSubject: names.subjects.usageEvent, ackWaitMs: 10_000, maxDeliver: 5 });
    const after = await jsm.consumers.info(stream, durable);
    expect(after.config.ack_wait).toBe(nanos(10_000));
    expect(after.config.max_deliver).toBe(5);
    expect(after.created).toBe(before.created);
    expect(after.num_pending + after.num_ack_pending).toBe(before.num_pending + before.num_ack_pending);
  });
});
