import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { PRIORITIES, type ModelToken, type NatsNames, type Priority } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ensureWorkerConsumer } from "@lantern/shared/nats";
import type { WorkerMetrics } from "../metrics/worker-metrics.js";
import type { ServedModel } from "../models/served-model.js";
import type { CancelRegistry } from "./cancel-registry.js";
import type { FlushClock } from "./flush-clock.js";
import { ModelDispatcher } from "./model-dispatcher.js";
import { runJob, type RunJobDeps } from "./run-job.js";

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

/** Makes sure the model's consumers exist (one per priority) and starts taking its jobs. */
export async function serveModel(served: ServedModel, deps: ServeModelDeps): Promise<ModelServing> {
  const durables = await ensureModelConsumers(deps, served.token);
  const logger = deps.logger.child({ model: served.name });
  const jobDeps: RunJobDeps = {
    nc: deps.nc,
    served,
    cancels: deps.cancels,
    workerId: deps.workerId,
    workingEveryMs: workingEveryMs(deps.ackWaitMs),
    flushClock: deps.flushClock,
    metrics: deps.metrics,
    logger,
  };
  const dispatcher = new ModelDispatcher({
    nc: deps.nc,
    names: deps.names,
    model: served.token,
    durables,
    slots: served.sequences,
    async execute(job, sequence) {
      await runJob(job, sequence, jobDeps);
      // Clear now, after the client has its answer: clearing waits for a pause in the
      // context's batch loop, and doing it at the next job's start would delay that job's
      // first token by as much as the other slots' whole generations.
      await sequence.clearHistory();
    },
    pollMs: deps.pollMs,
    agingMs: deps.agingMs,
    logger,
  });
  dispatcher.start();
  return dispatcher;
}
