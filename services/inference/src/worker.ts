import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Registry } from "prom-client";
import { natsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ObjectStore } from "@nats-io/obj";
import { closeNats, connectNats, ensureBuckets, ensureEventsStream, ensureInferResources, openModelStore } from "@lantern/shared/nats";
import { defaultContexts, newWorkerId, type InferenceConfig } from "./config.js";
import { ModelControl } from "./control/model-control.js";
import { ModelEventPublisher } from "./events/model-event-publisher.js";
import { Heartbeat } from "./heartbeat/heartbeat.js";
import { CancelRegistry } from "./queue/cancel-registry.js";
import { FlushClock } from "./queue/flush-clock.js";
import { serveModel } from "./queue/serve-model.js";
import { JobArrivals } from "./models/job-arrivals.js";
import { hardwareReport, loadLlama } from "./models/load-llama.js";
import { ModelFiles } from "./models/model-files.js";
import { ModelHost } from "./models/model-host.js";
import { startWorkerTelemetry } from "./metrics/worker-telemetry.js";
import type { ServedModel } from "./models/served-model.js";

export interface RunningWorker {
  workerId: string;
  nc: NatsConnection;
  /** The worker's Prometheus registry. */
  metrics: Registry;
  /** Where `/metrics`, `/healthz`, `/readyz` answer; unset without METRICS_PORT. */
  metricsUrl: string | undefined;
  /** The models loaded right now. */
  readonly models: ServedModel[];
  /** Stops pulling, lets running jobs finish (up to the grace period), then disconnects. */
  stop(): Promise<void>;
}

export async function startWorker(config: InferenceConfig, logger: Logger): Promise<RunningWorker> {
  const workerId = config.WORKER_ID ?? newWorkerId();
  const log = logger.child({ workerId });
  const names = natsNames(config.NATS_NAMESPACE);

  const loaded = await loadLlama(config.INFERENCE_GPU, log);
  const { llama, pool } = loaded;
  log.info({ pool, devices: loaded.devices }, "compute backend ready");

  const link = await connectNats({ url: config.NATS_URL, name: `inference-${workerId}`, logger: log });
  const { nc } = link;
  const jsm = await ensureInferResources(nc, names);
  await ensureEventsStream(jsm, names);
  const js = jetstream(nc);
  const buckets = await ensureBuckets(nc, names, { workerTtlMs: config.WORKER_HEARTBEAT_TTL_MS });
  const flushClock = config.INFERENCE_STREAM_FLUSH_MS > 0 ? new FlushClock(config.INFERENCE_STREAM_FLUSH_MS) : undefined;

  let modelStore: Promise<ObjectStore> | undefined;
  const openStore = () => {
    // Opened on first need and kept; a failed open is tried again next time.
    modelStore ??= openModelStore(nc, names).catch((err: unknown) => {
      modelStore = undefined;
      throw err;
    });
    return modelStore;
  };
  const files = new ModelFiles({
    modelsDir: config.MODELS_DIR,
    cacheDir: config.INFERENCE_MODEL_CACHE_DIR ?? config.MODELS_DIR,
    store: config.INFERENCE_MODEL_STORE === "on" ? openStore : undefined,
    logger: log.child({ component: "model-files" }),
  });

  let heartbeat: Heartbeat | undefined;
  let host: ModelHost | undefined;
  const telemetry = await startWorkerTelemetry({
    config,
    nc,
    snapshot: () => host?.snapshot() ?? [],
    ready: () => link.connected && (host?.loadedModels().length ?? 0) > 0,
    logger: log,
  });
  const { metrics } = telemetry;
  host = new ModelHost({
    llama,
    pool,
    files,
    threads: config.INFERENCE_THREADS,
    evaluation: { flashAttention: config.INFERENCE_FLASH_ATTENTION, batchSize: config.INFERENCE_BATCH_SIZE },
    defaults: {
      slots: config.INFERENCE_SLOTS,
      contextSize: config.INFERENCE_CONTEXT_SIZE,
      contexts: config.INFERENCE_CONTEXTS,
      gpuLayers: config.INFERENCE_GPU_LAYERS,
      idleUnloadMs: config.INFERENCE_IDLE_UNLOAD_MS,
      chatWrapper: config.INFERENCE_CHAT_WRAPPER,
    },
    contextsFor: (slots) => defaultContexts(pool, config.INFERENCE_THREADS, slots),
    memoryLimitBytes: config.INFERENCE_MEMORY_LIMIT,
    unloadGraceMs: config.INFERENCE_UNLOAD_GRACE_MS,
    newCancels: () => {
      const cancels = new CancelRegistry(nc, names);
      cancels.start();
      return cancels;
    },
    serve: (served, cancels) =>
      serveModel(served, {
        nc,
        jsm,
        workers: buckets.workers,
        names,
        cancels,
        workerId,
        ackWaitMs: config.INFERENCE_ACK_WAIT_MS,
        maxDeliver: config.INFERENCE_MAX_DELIVER,
        pollMs: config.INFERENCE_POLL_MS,
        agingMs: config.INFERENCE_PRIORITY_AGING_MS,
        announceEveryMs: config.INFERENCE_HEARTBEAT_MS,
        flushClock,
        metrics,
        logger: log,
      }),
    arrivals: new JobArrivals({ nc, jsm, names }),
    events: new ModelEventPublisher({ js, names, workerId, pool, logger: log }),
    onChange: () => void heartbeat?.beatNow().catch(() => {}),
    onLoaded: (model, loadMs) => metrics.modelLoaded(model, loadMs),
    logger: log,
  });

  heartbeat = new Heartbeat({
    workers: buckets.workers,
    models: buckets.models,
    workerId,
    pool,
    hardware: () => hardwareReport(loaded),
    intervalMs: config.INFERENCE_HEARTBEAT_MS,
    logger: log,
    snapshot: () => host.snapshot(),
  });
  await heartbeat.start();
  const control = new ModelControl({ nc, names, workerId, host, logger: log });
  control.start();
  for (const spec of config.INFERENCE_MODELS) {
    // A model that cannot load is reported (log, heartbeat, event) and the worker serves the rest.
    await host.load(spec, "config").catch(() => {});
  }
  host.startIdleWatch();
  log.info({ models: host.snapshot().map((m) => ({ name: m.name, state: m.state })), pool, control: names.subjects.modelControl(workerId) }, "worker ready");

  let stopped: Promise<void> | undefined;
  return {
    workerId,
    nc,
    metrics: metrics.registry,
    metricsUrl: telemetry.url,
    get models() {
      return host.loadedModels();
    },
    stop() {
      stopped ??= (async () => {
        control.stop();
        await heartbeat.stop();
        await host.stop(config.INFERENCE_SHUTDOWN_GRACE_MS);
        await closeNats(nc);
        await telemetry.stop();
        await llama.dispose();
        log.info("worker stopped");
      })();
      return stopped;
    },
  };
}
