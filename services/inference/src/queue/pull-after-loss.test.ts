import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames, toModelToken, type NatsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { connectNats, ensureInferStream, type NatsLink } from "@lantern/shared/nats";
import { uniqueNamespace, waitFor } from "@lantern/shared/testing";
import { startNatsCluster, type TestNatsCluster } from "../../../../test/harness/nats-cluster.js";
import type { JobMessage } from "./job-puller.js";
import { ModelDispatcher } from "./model-dispatcher.js";
import { ensureModelConsumers } from "./serve-model.js";

/*
 * A worker idle on a 3-node cluster loses the node leading the INFER stream and the consumer it
 * pulls high-priority jobs from: pulls from that consumer go unanswered until the survivors elect
 * it a new leader. A normal job queued meanwhile is taken at once all the same, not after the
 * unanswered pulls each waited their answer out in front of it.
 */

const quiet = createLogger({ service: "pull-after-loss", level: "silent" });
const model = toModelToken("loss-synth");

let cluster: TestNatsCluster;
beforeAll(async () => {
  cluster = await startNatsCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
}, 30_000);

const leaderOf = async (jsm: JetStreamManager, names: NatsNames, durable: string) =>
  (await jsm.consumers.info(names.streams.infer, durable)).cluster?.leader ?? "";

describe("a worker's pulls across the loss of a node leading INFER and a consumer", () => {
  it("takes a job queued after the loss within a second or two", async () => {
    const names = natsNames(uniqueNamespace("loss"));
    const admin = await connectNats({ url: cluster.url, name: "admin", logger: quiet, replicas: 3 });
    const links: NatsLink[] = [admin];
    const dispatchers: ModelDispatcher[] = [];
    try {
      const jsm = await jetstreamManager(admin.nc);
      await ensureInferStream(jsm, names);
      const durables = await ensureModelConsumers({ jsm, names, ackWaitMs: 2_000, maxDeliver: 5 }, model);
      const taken = new Map<string, number>();
      const worker = await connectNats({ url: cluster.url, name: "worker", logger: quiet, replicas: 3 });
      links.push(worker);
      const dispatcher = new ModelDispatcher({
        nc: worker.nc,
        names,
        model,
        durables,
        slots: 2,
        execute: async (job: JobMessage) => {
          taken.set(new TextDecoder().decode(job.data), Date.now());
          job.ack();
        },
        pollMs: 1_000,
        agingMs: 5_000,
        logger: quiet,
      });
      dispatcher.start();
      dispatchers.push(dispatcher);
      const js = jetstream(admin.nc, { timeout: 2_000 });
      const publish = async (id: string) => {
        for (;;) {
          try {
            return await js.publish(names.subjects.inferJob(model, "normal"), id, { msgID: id });
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };

      const lags: number[] = [];
      for (let round = 0; round < 3; round++) {
        // The node leading the stream leads the high consumer too, and not the normal one.
        const streamLeader = await cluster.leaderOf(names.streams.infer);
        await waitFor(async () => {
          if ((await leaderOf(jsm, names, durables.high)) !== streamLeader) {
            await admin.nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${names.streams.infer}.${durables.high}`, "", { timeout: 2_000 }).catch(() => {});
          } else if ((await leaderOf(jsm, names, durables.normal)) === streamLeader) {
            await admin.nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${names.streams.infer}.${durables.normal}`, "", { timeout: 2_000 }).catch(() => {});
          } else return true;
          await new Promise((r) => setTimeout(r, 300));
          return false;
        }, 30_000, "the stream's leader to lead the high consumer only");
        await cluster.kill(streamLeader);
        const id = `job-${round}`;
        await publish(id);
        const queuedAt = Date.now();
        await waitFor(() => taken.has(id), 30_000, `${id} to be taken`);
        lags.push(taken.get(id)! - queuedAt);
        await cluster.restart(streamLeader);
        await waitFor(async () => (await jsm.streams.info(names.streams.infer).catch(() => null))?.cluster?.replicas?.every((r) => r.current) === true, 30_000, "the replicas to catch up");
      }
      console.log(`jobs taken ${JSON.stringify(lags)} ms after they were queued`);
      expect(lags.filter((lag) => lag > 2_000), JSON.stringify(lags)).toEqual([]);
    } finally {
      for (const d of dispatchers) await d.stop().catch(() => {});
      for (const link of links) await link.nc.close().catch(() => {});
    }
  }, 240_000);
});
