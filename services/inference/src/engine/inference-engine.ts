import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ComputePool, NatsNames, ServedModel as ModelStatus, WorkerHardware } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ModelCommands } from "../control/model-control.js";
import type { WorkerMetrics } from "../metrics/worker-metrics.js";
import type { ServedModel } from "../models/served-model.js";
import type { FlushClock } from "../queue/flush-clock.js";

/**
 * What answers a worker's jobs: node-llama-cpp on real models, or the synthetic engine. The
 * worker around it (connection, heartbeat, telemetry, commands, shutdown) is the same for both.
 */
export interface InferenceEngine {
  /** Fields every log line of a worker on this engine carries. */
  readonly logFields: Record<string, string>;
  /** Readies the compute before the worker connects: a backend this machine cannot run fails here. */
  open(logger: Logger): Promise<EngineCompute>;
}

interface EngineCompute {
  readonly pool: ComputePool;
  /** Read at each heartbeat: devices and free memory right now. */
  hardware(): Promise<WorkerHardware>;
  /** Sets up the engine's models on the worker's connection. */
  attach(worker: WorkerLink): Promise<EngineModels>;
  /** Frees the compute, once the worker has disconnected. */
  dispose(): Promise<void>;
}

/** The worker's connection and plumbing, which the engine's models take jobs through. */
export interface WorkerLink {
  nc: NatsConnection;
  jsm: JetStreamManager;
  names: NatsNames;
  /** Live workers' heartbeats. */
  workers: KV;
  workerId: string;
  flushClock: FlushClock | undefined;
  metrics: WorkerMetrics;
  /** Called after every change to the models, so the heartbeat can tell the fleet at once. */
  onChange(): void;
  logger: Logger;
}

/** The models an engine serves, as the worker sees them. */
export interface EngineModels {
  /** Every model as the heartbeat shows it. */
  snapshot(): ModelStatus[];
  /** The node-llama-cpp models loaded right now (none on an engine without them). */
  loaded(): ServedModel[];
  /** The names of the models the worker was started with (what `/readyz` waits for). */
  readonly configured: readonly string[];
  /** Set where models can be loaded and unloaded on command. */
  readonly commands?: ModelCommands;
  /** Loads the models the worker is configured with; called once the heartbeat runs. */
  loadConfigured(): Promise<void>;
  /** What the "worker ready" line says about the models. */
  readyReport(): Record<string, unknown>;
  /** Stops taking jobs; resolves when those in hand have finished (or were cancelled after the grace period). */
  stop(): Promise<void>;
}
