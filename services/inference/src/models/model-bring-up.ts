import { InsufficientMemoryError, type Llama } from "node-llama-cpp";
import type { ComputePool } from "@lantern/shared/contracts";
import type { CancelRegistry } from "../queue/cancel-registry.js";
import type { ModelServing } from "../queue/serve-model.js";
import { CHAT_WRAPPER_NAMES, isChatWrapperName } from "./chat-wrapper.js";
import { evaluationSettings, modelHeadSize, type EvaluationPolicy } from "./context-layout.js";
import type { HostedModel, ResolvedSpec, RunningModel } from "./hosted-model.js";
import { describeLayout, estimateFit, fitShortfalls } from "./memory-fit.js";
import type { ModelFiles } from "./model-files.js";
import { ModelLoadError } from "./model-load-error.js";
import { loadServedModel, type ServedModel } from "./served-model.js";

export interface BringUpDeps {
  llama: Llama;
  pool: ComputePool;
  /** Finds (or copies in from the object store) each model's file. */
  files: ModelFiles;
  threads: number;
  /** The worker's flash attention and batch size settings (each model's resolved by evaluationSettings). */
  evaluation: EvaluationPolicy;
  memoryLimitBytes: number | null;
  /** A fresh cancel registry for one loaded model, listening already. */
  newCancels(): CancelRegistry;
  serve(served: ServedModel, cancels: CancelRegistry): Promise<ModelServing>;
}

export const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Finds the spec's file and estimates what it needs here, as a load would: nothing is loaded. */
export async function estimateSpec(spec: ResolvedSpec, deps: Pick<BringUpDeps, "llama" | "pool" | "files" | "evaluation" | "memoryLimitBytes">, usedByWorkerBytes: number) {
  const modelPath = await deps.files.locate(spec.file);
  const evaluation = evaluationSettings(deps.pool, deps.evaluation, await modelHeadSize(modelPath));
  const fit = await estimateFit({
    llama: deps.llama,
    pool: deps.pool,
    modelPath,
    contextSize: spec.contextSize,
    slots: spec.slots,
    contexts: spec.contexts,
    gpuLayers: spec.gpuLayers,
    capBytes: deps.memoryLimitBytes,
    usedByWorkerBytes,
    evaluation,
  });
  return { fit, modelPath, evaluation };
}

/**
 * Path check, memory fit, load, serve: each step's failure is a ModelLoadError with its reason.
 * The fit is recorded on `hosted` as soon as it is known, so a refusal shows the numbers.
 */
export async function bringUp(hosted: HostedModel, deps: BringUpDeps, usedByWorkerBytes: number): Promise<RunningModel> {
  const { spec } = hosted;
  const { llama } = deps;
  if (!isChatWrapperName(spec.chatWrapper)) {
    throw new ModelLoadError("load_failed", `Unknown chat template '${spec.chatWrapper}' for '${spec.name}' (known: ${CHAT_WRAPPER_NAMES.join(", ")}).`);
  }
  const chatWrapper = spec.chatWrapper;
  const { fit, modelPath, evaluation } = await estimateSpec(spec, deps, usedByWorkerBytes);
  hosted.fit = fit;
  const shortfalls = fitShortfalls(fit);
  if (shortfalls.length > 0) {
    throw new ModelLoadError(
      "insufficient_memory",
      `Model '${spec.name}' (${spec.file}: ${describeLayout(fit)}) does not fit: ${shortfalls.join("; ")}.`,
      fit,
    );
  }
  let served: ServedModel;
  try {
    served = await loadServedModel({
      llama,
      name: spec.name,
      modelPath,
      slots: spec.slots,
      contexts: spec.contexts,
      threads: deps.threads,
      evaluation,
      contextSize: spec.contextSize,
      gpuLayers: fit.gpuLayers,
      chatWrapper,
      systemPrompt: spec.systemPrompt,
    });
  } catch (err) {
    const code = err instanceof InsufficientMemoryError ? "insufficient_memory" : "load_failed";
    throw new ModelLoadError(code, `Model '${spec.name}' (${spec.file}) failed to load: ${errorMessage(err)}`, fit, { cause: err });
  }
  const cancels = deps.newCancels();
  try {
    return { served, serving: await deps.serve(served, cancels), cancels };
  } catch (err) {
    await cancels.stop();
    await served.dispose();
    throw new ModelLoadError("load_failed", `Model '${spec.name}' loaded but could not take jobs: ${errorMessage(err)}`, fit, { cause: err });
  }
}
