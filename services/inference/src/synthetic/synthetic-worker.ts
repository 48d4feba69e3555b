import { freemem, totalmem } from "node:os";
import { natsNames, toModelToken, type ServedModel as ModelStatus } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { connectNats, ensureBuckets, ensureInferResources } from "@lantern/shared/nats";
import { newWorkerId, type InferenceConfig } from "../config.js";
import { Heartbeat } from "../heartbeat/heartbeat.js";
import { withAdmittedJob } from "../queue/admit-job.js";
import { CancelRegistry } from "../queue/cancel-registry.js";
import { FlushClock } from "../queue/flush-clock.js";
import { ModelDispatcher } from "../queue/model-dispatcher.js";
import { ensureModelConsumers, workingEveryMs } from "../queue/serve-model.js";
import { startWorkerTelemetry } from "../metrics/worker-telemetry.js";
import type { RunningWorker } from "../worker.js";
import { generateSynthetic } from "./synthetic-generation.js";

/** The context a synthetic model claims: it has none, but clients read one from /v1/models. */
const NOMINAL_CONTEXT = 32_768;

/**
 * A worker on the synthetic engine (`INFERENCE_ENGINE=synthetic`): the real queue, dispatcher,
 * heartbeat, cancels and reply stream, with replies produced on timers instead of by a model.
 * For capacity planning of the plumbing only; it serves `INFERENCE_SYNTHETIC_MODEL`.
 */
export async function startSyntheticWorker(config: InferenceConfig, logger: Logger): Promise<RunningWorker> {
  const workerId = config.WORKER_ID ?? newWorkerId();
  const log = logger.child({ workerId, engine: "synthetic" });
  const names = natsNames(config.NATS_NAMESPACE);
  const modelName = config.INFERENCE_SYNTHETIC_MODEL;
  const token = toModelToken(modelName);
  const slots = config.INFERENCE_SLOTS;

  const link = await connectNats({ url: config.NATS_URL, name: `inference-${workerId}`, logger: log });
  const { nc } = link;
  const jsm = await ensureInferResources(nc, names);
  const buckets = await ensureBuckets(nc, names, { workerTtlMs: config.WORKER_HEARTBEAT_TTL_MS });
  const cancels = new CancelRegistry(nc, names);
  cancels.start();
  const flushClock = config.INFERENCE_STREAM_FLUSH_MS > 0 ? new FlushClock(config.INFERENCE_STREAM_FLUSH_MS) : undefined;
  const durables = await ensureModelConsumers(
    { jsm, names, ackWaitMs: config.INFERENCE_ACK_WAIT_MS, maxDeliver: config.INFERENCE_MAX_DELIVER },
    token,
  );
  const snapshot = (): ModelStatus[] => [
    { name: modelName, token, contextSize: NOMINAL_CONTEXT, slots, freeSlots: dispatcher.freeSlots, state: "loaded", contexts: 1 },
  ];
  const telemetry = await startWorkerTelemetry({ config, nc, snapshot, ready: () => link.connected, logger: log });
  const admit = {
    nc,
    modelName,
    workerId,
    metrics: telemetry.metrics,
    cancels,
    workingEveryMs: workingEveryMs(config.INFERENCE_ACK_WAIT_MS),
    flushClock,
    logger: log,
  };
  const dispatcher = new ModelDispatcher({
    nc,
    names,
    model: token,
    durables,
    slots,
    execute: (msg) =>
      withAdmittedJob(msg, admit, async ({ job, reply, signal, attempt, queuedMs, log: jobLog }) => {
        if (job.input.kind === "embed") {
          reply.error({ code: "invalid_parameter", message: "The synthetic engine does not embed.", param: "model" });
          return "error";
        }
        if (job.logprobs) {
          // Its words are not sampled from any distribution: answering without them would hide that.
          reply.error({ code: "invalid_parameter", message: "The synthetic engine has no token probabilities to report.", param: "logprobs" });
          return "error";
        }
        const result = await generateSynthetic(job, {
          tokensPerSecond: config.INFERENCE_SYNTHETIC_TOKENS_PER_S,
          signal,
          onAccepted: (promptTokens) => {
            reply.accepted({ workerId, attempt, promptTokens });
            jobLog.info({ attempt, promptTokens }, "job started");
          },
          onText: (text) => reply.chunk(text),
        });
        reply.done({ finishReason: result.finishReason, usage: result.usage, timings: { queuedMs, promptMs: 0, generateMs: result.generateMs } });
        telemetry.metrics.generated(modelName, { ...result.usage, promptMs: 0, generateMs: result.generateMs });
        jobLog.info({ attempt, finishReason: result.finishReason, ...result.usage, queuedMs }, "job finished");
      }),
    pollMs: config.INFERENCE_POLL_MS,
    agingMs: config.INFERENCE_PRIORITY_AGING_MS,
    logger: log,
  });

  const heartbeat = new Heartbeat({
    workers: buckets.workers,
    models: buckets.models,
    workerId,
    pool: "cpu",
    intervalMs: config.INFERENCE_HEARTBEAT_MS,
    hardware: async () => ({ devices: [], vram: null, ram: { totalBytes: totalmem(), freeBytes: freemem() } }),
    snapshot,
    logger: log,
  });
  dispatcher.start();
  await heartbeat.start();
  log.info({ model: modelName, slots, tokensPerSecond: config.INFERENCE_SYNTHETIC_TOKENS_PER_S }, "worker ready");

  let stopped: Promise<void> | undefined;
  return {
    workerId,
    nc,
    metrics: telemetry.metrics.registry,
    metricsUrl: telemetry.url,
    models: [],
    stop() {
      stopped ??= (async () => {
        await heartbeat.stop();
        await dispatcher.stop();
        await cancels.stop();
        await nc.drain();
        await telemetry.stop();
        log.info("worker stopped");
      })();
      return stopped;
    },
  };
}
