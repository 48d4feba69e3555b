import type { NatsConnection } from "@nats-io/transport-node";
import type { Registry } from "prom-client";
import { natsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { closeNats, connectNats, ensureBuckets, ensureInferResources } from "@lantern/shared/nats";
import { newWorkerId, type InferenceConfig } from "./config.js";
import { ModelControl } from "./control/model-control.js";
import type { EngineModels, InferenceEngine } from "./engine/inference-engine.js";
import { llamaEngine } from "./engine/llama-engine.js";
import { Heartbeat } from "./heartbeat/heartbeat.js";
import { startWorkerTelemetry } from "./metrics/worker-telemetry.js";
import type { ServedModel } from "./models/served-model.js";
import { workerReadiness } from "./readiness/worker-readiness.js";
import { FlushClock } from "./queue/flush-clock.js";

export interface RunningWorker {
  workerId: string;
  nc: NatsConnection;
  /** The worker's Prometheus registry. */
  metrics: Registry;
  /** Where `/metrics`, `/healthz`, `/readyz`, `/state/version` answer; unset without METRICS_PORT. */
  metricsUrl: string | undefined;
  /** The models loaded right now. */
  readonly models: ServedModel[];
  /** Stops pulling, lets running jobs finish (up to the grace period), then disconnects. */
  stop(): Promise<void>;
}

/** Starts a worker on `engine`: node-llama-cpp unless told otherwise. */
export async function startWorker(config: InferenceConfig, logger: Logger, engine: InferenceEngine = llamaEngine(config)): Promise<RunningWorker> {
  const workerId = config.WORKER_ID ?? newWorkerId();
  const log = logger.child({ workerId, ...engine.logFields });
  const names = natsNames(config.NATS_NAMESPACE);
  const compute = await engine.open(log);

  const link = await connectNats({ url: config.NATS_URL, replicas: config.NATS_REPLICAS, name: `inference-${workerId}`, logger: log });
  const { nc } = link;
  const jsm = await ensureInferResources(nc, names);
  const buckets = await ensureBuckets(nc, names, { workerTtlMs: config.WORKER_HEARTBEAT_TTL_MS });
  const flushClock = config.INFERENCE_STREAM_FLUSH_MS > 0 ? new FlushClock(config.INFERENCE_STREAM_FLUSH_MS) : undefined;

  let heartbeat: Heartbeat | undefined;
  let models: EngineModels | undefined;
  let modelsSettled = false;
  const telemetry = await startWorkerTelemetry({
    config,
    nc,
    pool: compute.pool,
    snapshot: () => models?.snapshot() ?? [],
    readiness: () =>
      workerReadiness({ connected: link.connected, configured: models?.configured, settled: modelsSettled, models: models?.snapshot() ?? [] }),
    logger: log,
  });
  models = await compute.attach({
    nc,
    jsm,
    names,
    workers: buckets.workers,
    workerId,
    flushClock,
    metrics: telemetry.metrics,
    onChange: () => void heartbeat?.beatNow().catch(() => {}),
    logger: log,
  });

  heartbeat = new Heartbeat({
    workers: buckets.workers,
    models: buckets.models,
    workerId,
    pool: compute.pool,
    hardware: () => compute.hardware(),
    intervalMs: config.INFERENCE_HEARTBEAT_MS,
    logger: log,
    snapshot: () => models.snapshot(),
  });
  await heartbeat.start();
  const control = models.commands && new ModelControl({ nc, names, workerId, host: models.commands, logger: log });
  control?.start();
  await models.loadConfigured();
  modelsSettled = true;
  log.info({ ...models.readyReport(), ...(control ? { control: names.subjects.modelControl(workerId) } : {}) }, "worker ready");

  let stopped: Promise<void> | undefined;
  return {
    workerId,
    nc,
    metrics: telemetry.metrics.registry,
    metricsUrl: telemetry.url,
    get models() {
      return models.loaded();
    },
    stop() {
      stopped ??= (async () => {
        control?.stop();
        await heartbeat.stop();
        await models.stop();
        await closeNats(nc);
        await telemetry.stop();
        await compute.dispose();
        log.info("worker stopped");
      })();
      return stopped;
    },
  };
}
