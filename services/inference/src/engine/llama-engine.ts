import { jetstream } from "@nats-io/jetstream";
import type { ObjectStore } from "@nats-io/obj";
import { ensureEventsStream, openModelStore } from "@lantern/shared/nats";
import { defaultContexts, type InferenceConfig } from "../config.js";
import { ModelEventPublisher } from "../events/model-event-publisher.js";
import { JobArrivals } from "../models/job-arrivals.js";
import { hardwareReport, loadLlama, type LoadedLlama } from "../models/load-llama.js";
import { ModelFiles } from "../models/model-files.js";
import { ModelHost } from "../models/model-host.js";
import { CancelRegistry } from "../queue/cancel-registry.js";
import { serveModel } from "../queue/serve-model.js";
import type { EngineModels, InferenceEngine, WorkerLink } from "./inference-engine.js";

/** node-llama-cpp on real models: each loaded after a memory check, served from its own queue, unloaded on command or idling. */
export function llamaEngine(config: InferenceConfig): InferenceEngine {
  return {
    logFields: {},
    async open(logger) {
      const loaded = await loadLlama(config.INFERENCE_GPU, logger);
      const { llama, pool } = loaded;
      logger.info({ pool, devices: loaded.devices }, "compute backend ready");
      return {
        pool,
        hardware: () => hardwareReport(loaded),
        attach: (worker) => hostModels(config, loaded, worker),
        dispose: () => llama.dispose(),
      };
    },
  };
}

/** The worker's models on one ModelHost, each served from the queue once loaded. */
async function hostModels(config: InferenceConfig, { llama, pool }: LoadedLlama, worker: WorkerLink): Promise<EngineModels> {
  const { nc, jsm, names, workerId, metrics, logger: log } = worker;
  await ensureEventsStream(jsm, names);
  const js = jetstream(nc);

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

  const host = new ModelHost({
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
      systemPrompt: config.INFERENCE_SYSTEM_PROMPT,
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
        workers: worker.workers,
        names,
        cancels,
        workerId,
        ackWaitMs: config.INFERENCE_ACK_WAIT_MS,
        maxDeliver: config.INFERENCE_MAX_DELIVER,
        pollMs: config.INFERENCE_POLL_MS,
        agingMs: config.INFERENCE_PRIORITY_AGING_MS,
        announceEveryMs: config.INFERENCE_HEARTBEAT_MS,
        flushClock: worker.flushClock,
        metrics,
        logger: log,
      }),
    arrivals: new JobArrivals({ nc, jsm, names }),
    events: new ModelEventPublisher({ js, names, workerId, pool, logger: log }),
    onChange: () => worker.onChange(),
    onLoaded: (model, loadMs) => metrics.modelLoaded(model, loadMs),
    logger: log,
  });

  return {
    snapshot: () => host.snapshot(),
    loaded: () => host.loadedModels(),
    configured: config.INFERENCE_MODELS.map((spec) => spec.name),
    commands: host,
    async loadConfigured() {
      for (const spec of config.INFERENCE_MODELS) {
        // A model that cannot load is reported (log, heartbeat, event) and the worker serves the rest.
        await host.load(spec, "config").catch(() => {});
      }
      host.startIdleWatch();
    },
    readyReport: () => ({ models: host.snapshot().map((m) => ({ name: m.name, state: m.state })), pool }),
    stop: () => host.stop(config.INFERENCE_SHUTDOWN_GRACE_MS),
  };
}
