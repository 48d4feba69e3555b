import { GgufInsights, readGgufFileInfo, type Llama } from "node-llama-cpp";
import { formatBytes } from "@lantern/shared/config";
import type { ComputePool, GpuLayers, MemoryFit } from "@lantern/shared/contracts";
import { batchSizeFor, contextShares, effectiveContextSize, type EvaluationSettings } from "./context-layout.js";
import { ModelLoadError } from "./model-load-error.js";

export interface FitRequest {
  llama: Llama;
  pool: ComputePool;
  modelPath: string;
  /** Tokens per sequence; 0 takes the model's training context. */
  contextSize: number;
  slots: number;
  contexts: number;
  gpuLayers: GpuLayers;
  /** INFERENCE_MEMORY_LIMIT; null when unset. */
  capBytes: number | null;
  /** What this worker's models (loaded or loading) take already, by their own estimates. */
  usedByWorkerBytes: number;
  /** How the contexts will evaluate (flash attention and batch size change what they need). */
  evaluation?: EvaluationSettings;
}

interface Need {
  ramBytes: number;
  vramBytes: number;
}

/**
 * Estimates what a model needs (weights plus each of its contexts, with a KV cache per slot) from
 * its GGUF header, with node-llama-cpp's insights, and picks the GPU layers: all that fit in free
 * VRAM for `auto`, the pinned number otherwise, none on the CPU. Nothing is loaded.
 */
export async function estimateFit(req: FitRequest): Promise<MemoryFit> {
  let insights: GgufInsights;
  try {
    insights = await GgufInsights.from(await readGgufFileInfo(req.modelPath, { logWarnings: false }), req.llama);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ModelLoadError("invalid_model_file", `${req.modelPath} is not a GGUF model this worker can read: ${detail}`, undefined, { cause: err });
  }
  const contextSize = effectiveContextSize(req.contextSize, insights.trainContextSize);
  const shares = contextShares(req.slots, req.contexts);
  // Free memory less the padding node-llama-cpp keeps back when it loads: what a load can really take.
  const ramFree = Math.max(0, Math.floor((await req.llama.getRamState()).free - req.llama.ramPaddingSize));
  const vramFree = req.pool === "cpu" ? null : Math.max(0, Math.floor((await req.llama.getVramState()).free - req.llama.vramPaddingSize));

  const needs = new Map<number, Promise<Need>>();
  const needAt = (gpuLayers: number): Promise<Need> => {
    let need = needs.get(gpuLayers);
    if (!need) {
      need = (async () => {
        const model = await insights.estimateModelResourceRequirementsV2({ gpuLayers });
        const total = { ramBytes: model.cpuRam, vramBytes: model.gpuVram };
        for (const sequences of shares) {
          const context = await insights.estimateContextResourceRequirementsV2({
            contextSize,
            modelGpuLayers: gpuLayers,
            sequences,
            batchSize: batchSizeFor(req.evaluation ?? {}, contextSize, sequences),
            ...(req.evaluation?.flashAttention !== undefined ? { flashAttention: req.evaluation.flashAttention } : {}),
          });
          total.ramBytes += context.cpuRam;
          total.vramBytes += context.gpuVram;
        }
        return { ramBytes: Math.ceil(total.ramBytes), vramBytes: Math.ceil(total.vramBytes) };
      })();
      needs.set(gpuLayers, need);
    }
    return need;
  };

  const maxLayers = vramFree === null ? 0 : insights.totalLayers;
  let gpuLayers: number;
  if (req.gpuLayers !== "auto") gpuLayers = Math.min(req.gpuLayers, maxLayers);
  else gpuLayers = await mostLayersThatFit(maxLayers, vramFree ?? 0, async (layers) => (await needAt(layers)).vramBytes);
  return {
    gpuLayers,
    totalLayers: insights.totalLayers,
    contextSize,
    slots: req.slots,
    contexts: shares.length,
    needed: await needAt(gpuLayers),
    available: { ramBytes: ramFree, vramBytes: vramFree },
    capBytes: req.capBytes,
    usedByWorkerBytes: req.usedByWorkerBytes,
  };
}

/**
 * The most layers (0 to `maxLayers`) whose VRAM need fits in `vramFree`; 0 when none does. VRAM
 * need only grows with the layers offloaded, so bisection finds it in a few estimates.
 */
export async function mostLayersThatFit(maxLayers: number, vramFree: number, vramAt: (layers: number) => Promise<number>): Promise<number> {
  let low = 0;
  let high = maxLayers;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((await vramAt(mid)) <= vramFree) low = mid;
    else high = mid - 1;
  }
  return low;
}

const amount = (bytes: number) => `${formatBytes(bytes)} (${bytes} B)`;

/** Every limit the estimate breaks, in words with the numbers; empty when the model fits. */
export function fitShortfalls(fit: MemoryFit): string[] {
  const shortfalls: string[] = [];
  const { needed, available } = fit;
  if (needed.ramBytes > available.ramBytes) {
    shortfalls.push(`it needs ${amount(needed.ramBytes)} of RAM but ${amount(available.ramBytes)} is free`);
  }
  if (available.vramBytes !== null && needed.vramBytes > available.vramBytes) {
    shortfalls.push(`it needs ${amount(needed.vramBytes)} of VRAM but ${amount(available.vramBytes)} is free`);
  }
  const total = needed.ramBytes + needed.vramBytes;
  if (fit.capBytes !== null && fit.usedByWorkerBytes + total > fit.capBytes) {
    shortfalls.push(
      `it needs ${amount(total)} but the worker's memory limit (INFERENCE_MEMORY_LIMIT) is ${amount(fit.capBytes)}, ` +
        `of which its other models take ${amount(fit.usedByWorkerBytes)}`,
    );
  }
  return shortfalls;
}

/** What was estimated, for messages: "8 slots × 2048 tokens over 8 contexts, 0 of 7 layers on the GPU". */
export function describeLayout(fit: MemoryFit): string {
  return `${fit.slots} slot${fit.slots === 1 ? "" : "s"} × ${fit.contextSize} tokens over ${fit.contexts} context${fit.contexts === 1 ? "" : "s"}, ${fit.gpuLayers} of ${fit.totalLayers} layers on the GPU`;
}
