import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ensureWorkerConsumer } from "@lantern/shared/nats";
import type { ServedModel } from "../models/served-model.js";
import type { CancelRegistry } from "./cancel-registry.js";
import type { FlushClock } from "./flush-clock.js";
import { SlotRunner } from "./slot-runner.js";

/** A loaded model taking jobs from the queue. */
export interface ModelServing {
  readonly slots: number;
  readonly freeSlots: number;
  /** Epoch ms of the last job start or end (or of the start of serving): what idle unload measures. */
  readonly lastActiveAt: number;
  /** Stops pulling jobs; resolves once the jobs in hand have finished. */
  stop(): Promise<void>;
}

export interface ServeModelDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  /** This model's own registry: the host cancels the model's running jobs through it when an unload runs out of time. */
  cancels: CancelRegistry;
  workerId: string;
  ackWaitMs: number;
  maxDeliver: number;
  flushClock: FlushClock | undefined;
  logger: Logger;
}

/** Serves a loaded model: its durable consumer and one pull loop per slot. */
export async function serveModel(served: ServedModel, deps: ServeModelDeps): Promise<ModelServing> {
  const durable = await ensureWorkerConsumer(deps.jsm, deps.names, served.token, {
    ackWaitMs: deps.ackWaitMs,
    maxDeliver: deps.maxDeliver,
  });
  const consumer = await deps.js.consumers.get(deps.names.streams.infer, durable);
  const runDeps = {
    nc: deps.nc,
    served,
    cancels: deps.cancels,
    workerId: deps.workerId,
    workingEveryMs: Math.max(200, Math.floor(deps.ackWaitMs / 3)),
    flushClock: deps.flushClock,
    logger: deps.logger,
  };
  const runners = served.sequences.map((sequence) => new SlotRunner(consumer, sequence, runDeps, deps.logger));
  for (const runner of runners) runner.start();
  const startedAt = Date.now();
  return {
    slots: runners.length,
    get freeSlots() {
      return runners.filter((r) => r.isFree).length;
    },
    get lastActiveAt() {
      return Math.max(startedAt, deps.cancels.lastActivityAt);
    },
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}
