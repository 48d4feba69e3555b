import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { natsNames } from "../contracts/index.js";
import { createLogger } from "../logging/index.js";
import { useTestNats, type TestNats } from "../testing/index.js";
import { ensureEdgeBuckets } from "./buckets.js";
import { connectNats, type NatsLink } from "./connect.js";
import { ensureInferStream } from "./resources.js";

/*
 * On a single server (no cluster), NATS_REPLICAS above 1 cannot be honoured: a new stream is
 * refused with a message that names the setting, and an existing stream with fewer replicas is
 * kept, with a log line giving the exact command to raise it once the cluster is there. Raising
 * in place on a real cluster is proven by test/nats-cluster.test.ts.
 */

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ service: "replicas-test", level: "info", destination }) };
}

describe("NATS_REPLICAS on a single server", () => {
  let testNats: TestNats;
  const links: NatsLink[] = [];
  const connect = async (replicas: number, logger = capture().logger) => {
    const link = await connectNats({ url: testNats.url, name: "replicas-test", logger, replicas });
    links.push(link);
    return link;
  };

  beforeAll(async () => {
    testNats = await useTestNats("replicas");
  });
  afterAll(async () => {
    for (const link of links) await link.nc.close();
    await testNats?.stop();
  });

  it("creates streams and buckets with one replica by default", async () => {
    const names = natsNames(`${testNats.namespace}one`);
    const link = await connect(1);
    const jsm = await jetstreamManager(link.nc);
    await ensureInferStream(jsm, names);
    await ensureEdgeBuckets(link.nc, names);
    expect((await jsm.streams.info(names.streams.infer)).config.num_replicas).toBe(1);
    expect((await jsm.streams.info(`KV_${names.buckets.limits}`)).config.num_replicas).toBe(1);
  });

  it("refuses a new stream with more replicas than servers, naming NATS_REPLICAS", async () => {
    const names = natsNames(`${testNats.namespace}three`);
    const jsm = await jetstreamManager((await connect(3)).nc);
    await expect(ensureInferStream(jsm, names)).rejects.toThrow(/NATS_REPLICAS must not exceed/);
  });

  it("keeps an existing stream it cannot raise, and logs the command that raises it", async () => {
    const names = natsNames(`${testNats.namespace}keep`);
    await ensureInferStream(await jetstreamManager((await connect(1)).nc), names);
    await ensureEdgeBuckets((await connect(1)).nc, names);
    const log = capture();
    const wanting = await connect(3, log.logger);
    const jsm = await jetstreamManager(wanting.nc);
    await ensureInferStream(jsm, names);
    await ensureEdgeBuckets(wanting.nc, names);
    expect((await jsm.streams.info(names.streams.infer)).config.num_replicas).toBe(1);
    const runs = log.lines.filter((l) => l.level === 40).map((l) => l.run);
    expect(runs).toContain(`nats stream edit ${names.streams.infer} --replicas 3 -f`);
    expect(runs).toContain(`nats stream edit KV_${names.buckets.limits} --replicas 3 -f`);
  });
});
