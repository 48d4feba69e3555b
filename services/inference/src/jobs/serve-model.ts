import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { PRIORITIES, type NatsNames, type Priority } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ensureWorkerConsumer } from "@lantern/shared/nats";
import type { ServedModel } from "../models/served-model.js";
import type { CancelRegistry } from "./cancel-registry.js";
import type { FlushClock } from "./flush-clock.js";
import { ModelDispatcher } from "./model-dispatcher.js";

/** A loaded model taking jobs from the queue. */
export interface ModelServing {
  readonly slots: number;
  readonly freeSlots: number;
  /** When a job last started or ended (now while one runs). */
  readonly lastActiveAt: number;
  /** Stops taking jobs; resolves when the jobs in hand have finished. */
  stop(): Promise<void>;
}

export interface ServeModelDeps {
  nc: NatsConnection;
  jsm: JetStreamManager;
  names: NatsNames;
  cancels: CancelRegistry;
  workerId: string;
  flushClock: FlushClock | undefined;
  ackWaitMs: number;
  maxDeliver: number;
  pollMs: number;
  agingMs: number;
  logger: Logger;
}

/** Makes sure the model's consumers exist (one per priority) and starts taking its jobs. */
export async function serveModel(served: ServedModel, deps: ServeModelDeps): Promise<ModelServing> {
  const durables = {} as Record<Priority, string>;
  for (const priority of PRIORITIES) {
    durables[priority] = await ensureWorkerConsumer(deps.jsm, deps.names, served.token, priority, {
      ackWaitMs: deps.ackWaitMs,
      maxDeliver: deps.maxDeliver,
    });
  }
  const logger = deps.logger.child({ model: served.name });
  const dispatcher = new ModelDispatcher({
    nc: deps.nc,
    names: deps.names,
    durables,
    sequences: served.sequences,
    pollMs: deps.pollMs,
    agingMs: deps.agingMs,
    logger,
    job: {
      nc: deps.nc,
      served,
      cancels: deps.cancels,
      workerId: deps.workerId,
      workingEveryMs: Math.max(200, Math.floor(deps.ackWaitMs / 3)),
      flushClock: deps.flushClock,
      logger,
    },
  });
  dispatcher.start();
  return dispatcher;
}
