import { readGgufFileInfo } from "node-llama-cpp";

/** The largest context a model gets when none is configured, whatever it was trained on. */
const MAX_DEFAULT_CONTEXT = 8192;

/** Tokens per sequence: the configured size, or the model's training context up to 8192. */
export function effectiveContextSize(requested: number, trainContextSize: number | undefined): number {
  if (requested > 0) return requested;
  return Math.min(trainContextSize ?? MAX_DEFAULT_CONTEXT, MAX_DEFAULT_CONTEXT);
}

/** Slots per context: `slots` split over `contexts` (never more contexts than slots), largest first. */
export function contextShares(slots: number, contexts: number): number[] {
  const parts = Math.max(1, Math.min(contexts, slots));
  return Array.from({ length: parts }, (_, i) => Math.floor(slots / parts) + (i < slots % parts ? 1 : 0));
}

/** How a model's contexts evaluate tokens; unset fields are node-llama-cpp's choice. */
export interface EvaluationSettings {
  flashAttention?: boolean | undefined;
  /** Most tokens one decode takes (llama.cpp's batch and micro-batch alike). */
  batchSize?: number | undefined;
}

/** The worker's settings: `auto` and 0 leave the choice to the backend and the model. */
export interface EvaluationPolicy {
  flashAttention: "auto" | "on" | "off";
  batchSize: number;
}

// llama.cpp's CPU flash attention has a fast tiled kernel only for head sizes that are multiples
// of 16; others (the bundled model's is 8) fall back to one row at a time. Measured there: plain
// attention evaluated prompts 3.1x and decoded 3x faster, and with it batches of 128 or 256
// evaluated prompts 20% faster than 512. Plain attention holds a score buffer of batch x context x
// heads per context, so the smaller batch, at the same speed, costs the least memory
// (docs/performance.md, Prompt reuse). Other models keep node-llama-cpp's choice.
const CPU_PLAIN_ATTENTION_BATCH = 128;

/**
 * How one model's contexts evaluate: the worker's overrides, else flash attention off on the CPU
 * for head sizes its kernel handles slowly (with batches of 128), else node-llama-cpp's defaults.
 */
export function evaluationSettings(pool: string, policy: EvaluationPolicy, headSize: number | undefined): EvaluationSettings {
  const slowCpuKernel = pool === "cpu" && headSize !== undefined && headSize % 16 !== 0;
  const flashAttention = policy.flashAttention === "auto" ? (slowCpuKernel ? false : undefined) : policy.flashAttention === "on";
  const plainOnCpu = pool === "cpu" && flashAttention === false;
  return { flashAttention, batchSize: policy.batchSize > 0 ? policy.batchSize : plainOnCpu ? CPU_PLAIN_ATTENTION_BATCH : undefined };
}

/** The attention head size of a GGUF model, from its header; undefined when the header does not say. */
export async function modelHeadSize(modelPath: string): Promise<number | undefined> {
  try {
    const { architectureMetadata: arch } = await readGgufFileInfo(modelPath, { logWarnings: false });
    const heads = arch.attention?.head_count;
    return arch.attention?.key_length ?? (arch.embedding_length && typeof heads === "number" && heads > 0 ? arch.embedding_length / heads : undefined);
  } catch {
    return undefined;
  }
}

/** The batch size a context gets: the configured one (or node-llama-cpp's 512), never more than its cells. */
export function batchSizeFor(evaluation: EvaluationSettings, contextSize: number, sequences: number): number {
  return Math.max(sequences, Math.min(contextSize * sequences, evaluation.batchSize ?? 512));
}
