import { freemem, totalmem } from "node:os";
import { toModelToken, type ServedModel as ModelStatus } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { InferenceConfig } from "../config.js";
import type { EngineModels, InferenceEngine, WorkerLink } from "../engine/inference-engine.js";
import { withAdmittedJob, type AdmittedJob } from "../queue/admit-job.js";
import { CancelRegistry } from "../queue/cancel-registry.js";
import { ModelDispatcher } from "../queue/model-dispatcher.js";
import { ensureModelConsumers, workingEveryMs } from "../queue/serve-model.js";
import { startWorker, type RunningWorker } from "../worker.js";
import { answerTokens } from "../tokens/token-service.js";
import { generateSynthetic } from "./synthetic-generation.js";
import { syntheticTokenOps } from "./synthetic-tokens.js";

/** The context a synthetic model claims: it has none, but clients read one from /v1/models. */
const NOMINAL_CONTEXT = 32_768;

/**
 * The synthetic engine (`INFERENCE_ENGINE=synthetic`): the real queue, dispatcher, heartbeat,
 * cancels and reply stream, with replies produced on timers instead of by a model. For
 * capacity planning of the plumbing only; it serves `INFERENCE_SYNTHETIC_MODEL`.
 */
export function syntheticEngine(config: InferenceConfig): InferenceEngine {
  return {
    logFields: { engine: "synthetic" },
    async open() {
      return {
        pool: "cpu",
        hardware: async () => ({ devices: [], vram: null, ram: { totalBytes: totalmem(), freeBytes: freemem() } }),
        attach: (worker) => serveSyntheticModel(config, worker),
        dispose: async () => {},
      };
    },
  };
}

/** A worker on the synthetic engine. */
export function startSyntheticWorker(config: InferenceConfig, logger: Logger): Promise<RunningWorker> {
  return startWorker(config, logger, syntheticEngine(config));
}

async function serveSyntheticModel(config: InferenceConfig, worker: WorkerLink): Promise<EngineModels> {
  const { nc, jsm, names, workerId, metrics, logger: log } = worker;
  const modelName = config.INFERENCE_SYNTHETIC_MODEL;
  const token = toModelToken(modelName);
  const slots = config.INFERENCE_SLOTS;
  const cancels = new CancelRegistry(nc, names);
  cancels.start();
  const durables = await ensureModelConsumers(
    { jsm, names, ackWaitMs: config.INFERENCE_ACK_WAIT_MS, maxDeliver: config.INFERENCE_MAX_DELIVER },
    token,
  );
  const admit = {
    nc,
    modelName,
    workerId,
    metrics,
    cancels,
    workingEveryMs: workingEveryMs(config.INFERENCE_ACK_WAIT_MS),
    flushClock: worker.flushClock,
    logger: log,
  };
  const answer = async ({ job, reply, signal, attempt, queuedMs, log: jobLog }: AdmittedJob): Promise<"error" | void> => {
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
    metrics.generated(modelName, { ...result.usage, promptMs: 0, generateMs: result.generateMs });
    jobLog.info({ attempt, finishReason: result.finishReason, ...result.usage, queuedMs }, "job finished");
  };
  const dispatcher = new ModelDispatcher({
    nc,
    names,
    model: token,
    durables,
    slots,
    execute: (msg) => withAdmittedJob(msg, admit, answer),
    pollMs: config.INFERENCE_POLL_MS,
    agingMs: config.INFERENCE_PRIORITY_AGING_MS,
    logger: log,
  });
  dispatcher.start();
  const tokens = answerTokens({ nc, names, model: modelName, token, ops: syntheticTokenOps, logger: log });

  return {
    snapshot: (): ModelStatus[] => [
      { name: modelName, token, contextSize: NOMINAL_CONTEXT, slots, freeSlots: dispatcher.freeSlots, state: "loaded", contexts: 1 },
    ],
    loaded: () => [],
    configured: [modelName],
    loadConfigured: async () => {},
    readyReport: () => ({ model: modelName, slots, tokensPerSecond: config.INFERENCE_SYNTHETIC_TOKENS_PER_S }),
    async stop() {
      tokens.stop();
      await dispatcher.stop();
      await cancels.stop();
    },
  };
}
