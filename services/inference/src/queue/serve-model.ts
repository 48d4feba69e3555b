import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { PRIORITIES, type ModelToken, type NatsNames, type Priority } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ensureLaneConsumer, ensureWorkerConsumer } from "@lantern/shared/nats";
import type { WorkerMetrics } from "../metrics/worker-metrics.js";
import type { ServedModel } from "../models/served-model.js";
import type { CancelRegistry } from "./cancel-registry.js";
import type { FlushClock } from "./flush-clock.js";
import { ModelDispatcher } from "./model-dispatcher.js";
import { PrefixAnnouncer } from "../slots/prefix-announcer.js";
import { SlotPool } from "../slots/slot-pool.js";
import { runJob, type RunJobDeps } from "./run-job.js";
import { LaneSweeper, LaneWatch } from "./worker-lanes.js";
import { llamaTokenOps } from "../tokens/llama-tokens.js";
import { answerTokens } from "../tokens/token-service.js";

/** A loaded model taking jobs from the queue. */
export interface ModelServing {
  readonly slots: number;
  readonly freeSlots: number;
  /** When a job last started or ended (now while one runs). */
  readonly lastActiveAt: number;
  /** Stops taking jobs; resolves when the jobs in hand have finished. */
  stop(): Promise<void>;
}

interface ServeModelDeps {
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** Live workers' heartbeats (to tell an orphaned lane). */
  workers: KV;
  names: NatsNames;
  cancels: CancelRegistry;
  workerId: string;
  flushClock: FlushClock | undefined;
  ackWaitMs: number;
  maxDeliver: number;
  pollMs: number;
  agingMs: number;
  /** What the slots hold is announced to gateways this often besides on every change (the heartbeat interval). */
  announceEveryMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
}

/** A job in hand tells JetStream it is still being worked on this often, well within `ack_wait`. */
export const workingEveryMs = (ackWaitMs: number) => Math.max(200, Math.floor(ackWaitMs / 3));

/** The durable consumer of each priority of a model, created if missing. */
export async function ensureModelConsumers(
  deps: Pick<ServeModelDeps, "jsm" | "names" | "ackWaitMs" | "maxDeliver">,
  model: ModelToken,
): Promise<Record<Priority, string>> {
  const durables = {} as Record<Priority, string>;
  for (const priority of PRIORITIES) {
    durables[priority] = await ensureWorkerConsumer(deps.jsm, deps.names, model, priority, {
      ackWaitMs: deps.ackWaitMs,
      maxDeliver: deps.maxDeliver,
    });
  }
  return durables;
}

/** A stopping worker's lane goes with it, unless a job arrived there meanwhile (other workers take it, then sweep the lane). */
async function removeLaneIfEmpty(deps: Pick<ServeModelDeps, "jsm" | "names" | "workerId">, model: ModelToken): Promise<void> {
  const durable = deps.names.consumers.inferLane(model, deps.workerId);
  const info = await deps.jsm.consumers.info(deps.names.streams.infer, durable).catch(() => undefined);
  if (info && info.num_pending + info.num_ack_pending === 0) await deps.jsm.consumers.delete(deps.names.streams.infer, durable).catch(() => {});
}

/** Makes sure the model's consumers exist (one per priority) and starts taking its jobs. */
export async function serveModel(served: ServedModel, deps: ServeModelDeps): Promise<ModelServing> {
  const durables = await ensureModelConsumers(deps, served.token);
  const logger = deps.logger.child({ model: served.name });
  const slots: SlotPool = new SlotPool(served.sequences, () => announcer.announce());
  const announcer = new PrefixAnnouncer({
    nc: deps.nc,
    names: deps.names,
    workerId: deps.workerId,
    model: served.name,
    token: served.token,
    holdings: () => slots.holdings(),
    everyMs: deps.announceEveryMs,
  });
  const jobDeps: RunJobDeps = {
    nc: deps.nc,
    served,
    slots,
    cancels: deps.cancels,
    workerId: deps.workerId,
    workingEveryMs: workingEveryMs(deps.ackWaitMs),
    flushClock: deps.flushClock,
    metrics: deps.metrics,
    logger,
  };
  await ensureLaneConsumer(deps.jsm, deps.names, served.token, deps.workerId, { ackWaitMs: deps.ackWaitMs, maxDeliver: deps.maxDeliver });
  const lanes = new LaneWatch({
    nc: deps.nc,
    names: deps.names,
    model: served.token,
    workerId: deps.workerId,
    onWork: () => dispatcher.kick(),
    onOwnJob: () => dispatcher.laneRang(),
  });
  const dispatcher: ModelDispatcher = new ModelDispatcher({
    nc: deps.nc,
    names: deps.names,
    model: served.token,
    durables,
    // Slots keep what they evaluated after a job ends: the next job keeps the prefix it shares.
    slots: served.sequences.length,
    execute: (job) => runJob(job, jobDeps),
    lanes,
    pollMs: deps.pollMs,
    agingMs: deps.agingMs,
    logger,
  });
  dispatcher.start();
  announcer.announce();
  const tokens = answerTokens({ nc: deps.nc, names: deps.names, model: served.name, token: served.token, ops: llamaTokenOps(served), logger });
  const sweeper = new LaneSweeper({
    jsm: deps.jsm,
    names: deps.names,
    model: served.token,
    workerId: deps.workerId,
    workers: deps.workers,
    lanes,
    everyMs: 2 * deps.pollMs,
    logger,
  });
  return {
    get slots() {
      return dispatcher.slots;
    },
    get freeSlots() {
      return dispatcher.freeSlots;
    },
    get lastActiveAt() {
      return dispatcher.lastActiveAt;
    },
    async stop() {
      // Gateways stop sending conversations and tokens requests here first, then the jobs in hand finish.
      tokens.stop();
      announcer.stop();
      sweeper.stop();
      await dispatcher.stop();
      await removeLaneIfEmpty(deps, served.token);
    },
  };
}
