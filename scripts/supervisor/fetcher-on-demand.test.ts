import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { natsNames } from "@lantern/shared/contracts";
import { useTestNats, waitFor, type TestNats } from "@lantern/shared/testing";
import { startFetcherOnDemand } from "./fetcher-on-demand.js";

let nats: TestNats;
const dirs: string[] = [];
beforeAll(async () => {
  nats = await useTestNats("fetcherdemand");
});
afterAll(async () => {
  await nats.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const modelsDir = (withModel: boolean) => {
  const dir = mkdtempSync(join(tmpdir(), "lantern-models-"));
  dirs.push(dir);
  if (withModel) writeFileSync(join(dir, "m.gguf"), "");
  return dir;
};

it("starts the fetcher on the first pull asked for, not before, and once", async () => {
  const reasons: string[] = [];
  const watch = await startFetcherOnDemand({ natsUrl: nats.url, namespace: nats.namespace, modelsDir: modelsDir(true), start: async (why) => void reasons.push(why) });
  expect(reasons).toEqual([]);
  const nc = await connect({ servers: nats.url });
  try {
    const subject = natsNames(nats.namespace).subjects.modelPull;
    nc.publish(subject, "{}");
    nc.publish(subject, "{}");
    await nc.flush();
    await waitFor(() => reasons.length > 0, 5_000, "the fetcher started");
    expect(reasons).toEqual(["a pull was asked for"]);
  } finally {
    await nc.close();
    await watch.close();
  }
});

it("starts it at once when the models dir has no model for it to seed", async () => {
  const reasons: string[] = [];
  const watch = await startFetcherOnDemand({ natsUrl: nats.url, namespace: nats.namespace, modelsDir: modelsDir(false), start: async (why) => void reasons.push(why) });
  expect(reasons).toEqual(["the models dir has no model yet"]);
  await watch.close();
});

it("starts it again with the next pull once it is done, and at once when pulls wait in the queue", async () => {
  const reasons: string[] = [];
  const watch = await startFetcherOnDemand({ natsUrl: nats.url, namespace: nats.namespace, modelsDir: modelsDir(true), start: async (why) => void reasons.push(why) });
  const nc = await connect({ servers: nats.url });
  try {
    const subject = natsNames(nats.namespace).subjects.modelPull;
    nc.publish(subject, "{}");
    await waitFor(() => reasons.length === 1, 5_000, "the fetcher started");
    await watch.fetcherDone();
    expect(reasons).toHaveLength(1);
    nc.publish(subject, "{}");
    await waitFor(() => reasons.length === 2, 5_000, "the fetcher started again");
    expect(reasons).toEqual(["a pull was asked for", "a pull was asked for"]);
  } finally {
    await nc.close();
    await watch.close();
  }
});
