import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { natsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { connectNats, ensureBuckets, ensureInferResources, ensureWorkerConsumer } from "@lantern/shared/nats";
import { defaultContexts, newWorkerId, type InferenceConfig } from "./config.js";
import { Heartbeat } from "./heartbeat/heartbeat.js";
import { CancelRegistry } from "./jobs/cancel-registry.js";
import { FlushClock } from "./jobs/flush-clock.js";
import { SlotRunner } from "./jobs/slot-runner.js";
import { hardwareReport, loadLlama } from "./models/load-llama.js";
import { loadServedModel, type ServedModel } from "./models/served-model.js";

export interface RunningWorker {
  workerId: string;
  nc: NatsConnection;
  models: ServedModel[];
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
  const models: ServedModel[] = [];
  for (const spec of config.INFERENCE_MODELS) {
    const served = await loadServedModel({
      llama,
      name: spec.name,
      modelsDir: config.MODELS_DIR,
      file: spec.file,
      slots: config.INFERENCE_SLOTS,
      contexts: config.INFERENCE_CONTEXTS || defaultContexts(pool, config.INFERENCE_THREADS, config.INFERENCE_SLOTS),
      threads: config.INFERENCE_THREADS,
      contextSize: config.INFERENCE_CONTEXT_SIZE,
      chatWrapper: config.INFERENCE_CHAT_WRAPPER,
    });
    models.push(served);
    log.info({ model: served.name, contextSize: served.contextSize, slots: config.INFERENCE_SLOTS, contexts: served.contexts.length, threads: config.INFERENCE_THREADS, pool }, "model loaded");
  }

  const { nc } = await connectNats({ url: config.NATS_URL, name: `inference-${workerId}`, logger: log });
  const jsm = await ensureInferResources(nc, names);
  const js = jetstream(nc);
  const buckets = await ensureBuckets(nc, names, { workerTtlMs: config.WORKER_HEARTBEAT_TTL_MS });
  const cancels = new CancelRegistry(nc, names);
  cancels.start();

  const flushClock = config.INFERENCE_STREAM_FLUSH_MS > 0 ? new FlushClock(config.INFERENCE_STREAM_FLUSH_MS) : undefined;
  const slotsByModel = new Map<ServedModel, SlotRunner[]>();
  for (const served of models) {
    const durable = await ensureWorkerConsumer(jsm, names, served.token, {
      ackWaitMs: config.INFERENCE_ACK_WAIT_MS,
      maxDeliver: config.INFERENCE_MAX_DELIVER,
    });
    const consumer = await js.consumers.get(names.streams.infer, durable);
    const deps = {
      nc,
      served,
      cancels,
      workerId,
      workingEveryMs: Math.max(200, Math.floor(config.INFERENCE_ACK_WAIT_MS / 3)),
      flushClock,
      logger: log.child({ model: served.name }),
    };
    slotsByModel.set(
      served,
      served.sequences.map((sequence) => new SlotRunner(consumer, sequence, deps, deps.logger)),
    );
  }

  const heartbeat = new Heartbeat({
    workers: buckets.workers,
    models: buckets.models,
    workerId,
    pool,
    hardware: () => hardwareReport(loaded),
    intervalMs: config.INFERENCE_HEARTBEAT_MS,
    logger: log,
    snapshot: () =>
      models.map((m) => {
        const slots = slotsByModel.get(m) ?? [];
        return {
          name: m.name,
          token: m.token,
          contextSize: m.contextSize,
          slots: slots.length,
          freeSlots: slots.filter((s) => s.isFree).length,
        };
      }),
  });
  for (const slots of slotsByModel.values()) for (const slot of slots) slot.start();
  await heartbeat.start();
  log.info({ models: models.map((m) => m.name), pool }, "worker ready");

  let stopped: Promise<void> | undefined;
  return {
    workerId,
    nc,
    models,
    stop() {
      stopped ??= (async () => {
        await heartbeat.stop();
        const allSlots = [...slotsByModel.values()].flat();
        const drained = Promise.all(allSlots.map((s) => s.stop()));
        const grace = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), config.INFERENCE_SHUTDOWN_GRACE_MS).unref());
        if ((await Promise.race([drained, grace])) === "timeout") {
          log.warn("grace period over; cancelling running jobs");
          await cancels.stop();
          await drained;
        }
        await cancels.stop();
        await nc.drain();
        for (const m of models) await m.dispose();
        await llama.dispose();
        log.info("worker stopped");
      })();
      return stopped;
    },
  };
}
