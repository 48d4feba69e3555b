import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames, toModelToken, type NatsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { connectNats, ensureInferStream, type NatsLink } from "@lantern/shared/nats";
import { startNatsCluster, uniqueNamespace, waitFor, type TestNatsCluster } from "@lantern/shared/testing";
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

interface Setup {
  names: NatsNames;
  jsm: JetStreamManager;
  durables: Awaited<ReturnType<typeof ensureModelConsumers>>;
  /** Job id → when the worker took it. */
  taken: Map<string, number>;
  publish(id: string, priority: "high" | "normal"): Promise<void>;
  /** Asks the consumer's leader to step down until `pick` likes where it leads; resolves to that leader. */
  moveLeader(durable: string, pick: (leader: string) => boolean): Promise<string>;
  admin: NatsLink;
}

/** A stream, its consumers and one idle worker (two slots) on the cluster; `run` gets them, everything is closed after. */
async function withWorker(run: (setup: Setup) => Promise<void>): Promise<void> {
  const names = natsNames(uniqueNamespace("loss"));
  const admin = await connectNats({ url: cluster.url, name: "admin", logger: quiet, replicas: 3 });
  const links: NatsLink[] = [admin];
  let dispatcher: ModelDispatcher | undefined;
  try {
    const jsm = await jetstreamManager(admin.nc);
    await ensureInferStream(jsm, names);
    const durables = await ensureModelConsumers({ jsm, names, ackWaitMs: 2_000, maxDeliver: 5 }, model);
    const taken = new Map<string, number>();
    const worker = await connectNats({ url: cluster.url, name: "worker", logger: quiet, replicas: 3 });
    links.push(worker);
    dispatcher = new ModelDispatcher({
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
    const js = jetstream(admin.nc, { timeout: 2_000 });
    const publish = async (id: string, priority: "high" | "normal") => {
      for (;;) {
        try {
          await js.publish(names.subjects.inferJob(model, priority), id, { msgID: id });
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const moveLeader = async (durable: string, pick: (leader: string) => boolean) => {
      let leader = "";
      await waitFor(async () => {
        leader = await leaderOf(jsm, names, durable);
        if (pick(leader)) return true;
        await admin.nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${names.streams.infer}.${durable}`, "", { timeout: 2_000 }).catch(() => {});
        await new Promise((r) => setTimeout(r, 300));
        return false;
      }, 30_000, `a leader of ${durable} where wanted`);
      return leader;
    };
    await run({ names, jsm, durables, taken, publish, moveLeader, admin });
  } finally {
    await dispatcher?.stop().catch(() => {});
    for (const link of links) await link.nc.close().catch(() => {});
  }
}

const replicasCurrent = (setup: Setup) =>
  waitFor(async () => (await setup.jsm.streams.info(setup.names.streams.infer).catch(() => null))?.cluster?.replicas?.every((r) => r.current) === true, 30_000, "the replicas to catch up");

describe("a worker's pulls across the loss of a node leading INFER and a consumer", () => {
  it("takes a job queued after the loss within a second or two", async () => {
    await withWorker(async (setup) => {
      const { names, durables, taken } = setup;
      const lags: number[] = [];
      for (let round = 0; round < 3; round++) {
        // The node leading the stream leads the high consumer too, and not the normal one.
        const streamLeader = await cluster.leaderOf(names.streams.infer);
        await setup.moveLeader(durables.high, (leader) => leader === streamLeader);
        await setup.moveLeader(durables.normal, (leader) => leader !== "" && leader !== streamLeader);
        await cluster.kill(streamLeader);
        const id = `job-${round}`;
        await setup.publish(id, "normal");
        const queuedAt = Date.now();
        await waitFor(() => taken.has(id), 30_000, `${id} to be taken`);
        lags.push(taken.get(id)! - queuedAt);
        await cluster.restart(streamLeader);
        await replicasCurrent(setup);
      }
      console.log(`jobs taken ${JSON.stringify(lags)} ms after they were queued`);
      expect(lags.filter((lag) => lag > 2_000), JSON.stringify(lags)).toEqual([]);
    });
  }, 240_000);
});
