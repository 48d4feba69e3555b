import { availableParallelism, hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { readFileSync } from "node:fs";
import { byteSizeVar, intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { ModelSpec, WORKER_HEARTBEAT_TTL_MS, type GpuLayers } from "@lantern/shared/contracts";
import { metricsServerEnv, telemetryEnv } from "@lantern/shared/telemetry";
import { CHAT_WRAPPER_NAMES } from "./models/chat-wrapper.js";
import { parseModelEntry } from "./models/model-spec.js";

const DEFAULT_MODEL = "stories260K.gguf";

/** A comma list of model entries (see parseModelEntry); every bad entry is named. */
const ModelList = z.string().transform((text, ctx) => {
  const specs: ModelSpec[] = [];
  for (const entry of text.split(",").map((x) => x.trim()).filter(Boolean)) {
    const parsed = parseModelEntry(entry);
    if (parsed.ok) specs.push(parsed.spec);
    else ctx.addIssue({ code: "custom", message: parsed.message });
  }
  return specs;
});

/** INFERENCE_MODELS_FILE: a JSON array of model specs, the same shape a load command carries. */
function readModelsFile(path: string): { specs: ModelSpec[] } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return { error: `cannot read ${path} as JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsed = z.array(ModelSpec).safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`);
    return { error: `${path}: ${issues.join("; ")}` };
  }
  return { specs: parsed.data };
}

/** GPU layers as an env var: `auto` or a whole number. */
const GpuLayersVar = z
  .string()
  .default("auto")
  .transform((text, ctx): GpuLayers => {
    const value = text.trim();
    if (value === "" || value === "auto") return "auto";
    if (/^\d+$/.test(value)) return Number(value);
    ctx.addIssue({ code: "custom", message: `expected auto or a whole number, got ${JSON.stringify(text)}` });
    return z.NEVER;
  });

/**
 * Threads per context when not configured. On small CPUs llama.cpp's threads spin against each
 * other and against the NATS/JS side of the worker: measured on 2 cores, 1 thread ran 13x faster
 * than 2 and 550x faster than 4 (see README, Performance). Larger machines keep one core free.
 */
export function defaultThreads(cores = availableParallelism()): number {
  return cores <= 4 ? 1 : cores - 2;
}

/**
 * Contexts per model when not configured. On the CPU with one thread per context, node-llama-cpp
 * serialises the decoding of every sequence of a context on one core; a context per slot lets
 * the slots decode side by side (measured on 2 cores, 8 streams: 1.8x the tokens/s of one
 * shared context; see README, Performance). GPU backends batch the sequences of one context.
 */
export function defaultContexts(gpu: string, threads: number, slots: number): number {
  return gpu === "cpu" && threads === 1 ? slots : 1;
}

export const InferenceConfig = z.object({
  ...natsEnv,
  ...telemetryEnv,
  ...metricsServerEnv,
  MODELS_DIR: z.string().default("./models"),
  /**
   * Where model files copied from the `models` object store go (a worker on a host without the
   * models volume); the models dir when unset.
   */
  INFERENCE_MODEL_CACHE_DIR: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  /** `on`: a model file missing on this host is looked for in the NATS object store `models`. */
  INFERENCE_MODEL_STORE: z.enum(["on", "off"]).default("on"),
  /**
   * Comma list of `name=file.gguf?option=value&...` (see parseModelEntry); the bundled model when
   * neither this nor INFERENCE_MODELS_FILE is set.
   */
  INFERENCE_MODELS: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), ModelList.optional()),
  /** A JSON file with an array of model specs, served beside those of INFERENCE_MODELS. */
  INFERENCE_MODELS_FILE: z.string().optional(),
  /** `auto` detects CUDA, then Vulkan, then Metal, then the CPU; a named backend is required. */
  INFERENCE_GPU: z.enum(["auto", "cuda", "vulkan", "metal", "cpu"]).default("auto"),
  /** Parallel sequences (slots) per model: how many jobs of one model run at once. */
  INFERENCE_SLOTS: intVar(8, { min: 1, max: 64 }),
  INFERENCE_THREADS: intVar(defaultThreads(), { min: 0, max: 256 }),
  /** Contexts the slots of a model are spread over; 0 picks by backend (see defaultContexts). */
  INFERENCE_CONTEXTS: intVar(0, { min: 0, max: 64 }),
  /** `auto`: off on the CPU for models whose head size its kernel runs slowly, else node-llama-cpp's choice. */
  INFERENCE_FLASH_ATTENTION: z.enum(["auto", "on", "off"]).default("auto"),
  /** Most tokens a context evaluates in one step; 0: 128 where flash attention is off on the CPU, else node-llama-cpp's 512. */
  INFERENCE_BATCH_SIZE: intVar(0, { min: 0, max: 65_536 }),
  /** Tokens per sequence; 0 means the model's training context. */
  INFERENCE_CONTEXT_SIZE: intVar(0, { min: 0 }),
  /** Default GPU layers per model: `auto` fits as many as free VRAM allows; a number pins it. */
  INFERENCE_GPU_LAYERS: GpuLayersVar,
  /**
   * Most memory (RAM + VRAM, as estimated from the GGUF files) this worker's models may take
   * together: bytes or `512MiB`, `8GiB`. Unset: only free memory limits it.
   */
  INFERENCE_MEMORY_LIMIT: byteSizeVar(),
  /** Default per model: unload after this long without a job (it reloads when one comes); 0 never. */
  INFERENCE_IDLE_UNLOAD_MS: intVar(0, { min: 0 }),
  /** How long an unload command waits for running jobs before cancelling them, unless it says. */
  INFERENCE_UNLOAD_GRACE_MS: intVar(30_000, { min: 0 }),
  /** Default chat template per model: `auto` reads it from the model file; a node-llama-cpp template name overrides it. */
  INFERENCE_CHAT_WRAPPER: z.enum(CHAT_WRAPPER_NAMES).default("auto"),
  INFERENCE_ACK_WAIT_MS: intVar(10_000, { min: 500 }),
  INFERENCE_MAX_DELIVER: intVar(3, { min: 1 }),
  /** Text generated within this window after the first token travels as one chunk. */
  INFERENCE_STREAM_FLUSH_MS: intVar(25, { min: 0, max: 1_000 }),
  /**
   * `llama`: node-llama-cpp on real models. `synthetic`: replies on timers at a fixed rate, no
   * model, for measuring the platform's own capacity (see bench/scale-out.bench.ts).
   */
  INFERENCE_ENGINE: z.enum(["llama", "synthetic"]).default("llama"),
  INFERENCE_SYNTHETIC_MODEL: z.string().min(1).max(256).default("synthetic"),
  INFERENCE_SYNTHETIC_TOKENS_PER_S: intVar(50, { min: 1, max: 100_000 }),
  /** An idle worker looks for jobs it was not rung for (redeliveries) this often. */
  INFERENCE_POLL_MS: intVar(1_000, { min: 50 }),
  /** A priority passed over for this long is served next: low work is slowed, never starved. */
  INFERENCE_PRIORITY_AGING_MS: intVar(10_000, { min: 0 }),
  INFERENCE_HEARTBEAT_MS: intVar(2_000, { min: 100 }),
  INFERENCE_SHUTDOWN_GRACE_MS: intVar(30_000, { min: 0 }),
  WORKER_HEARTBEAT_TTL_MS: intVar(WORKER_HEARTBEAT_TTL_MS, { min: 1_000 }),
  WORKER_ID: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
}).transform((env, ctx) => {
  const specs = env.INFERENCE_MODELS ?? (env.INFERENCE_MODELS_FILE ? [] : [{ name: DEFAULT_MODEL.replace(/\.gguf$/, ""), file: DEFAULT_MODEL }]);
  if (env.INFERENCE_MODELS_FILE) {
    const read = readModelsFile(env.INFERENCE_MODELS_FILE);
    if ("error" in read) {
      ctx.addIssue({ code: "custom", path: ["INFERENCE_MODELS_FILE"], message: read.error });
      return z.NEVER;
    }
    specs.push(...read.specs);
  }
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) ctx.addIssue({ code: "custom", path: ["INFERENCE_MODELS"], message: `model name ${JSON.stringify(spec.name)} is used twice` });
    seen.add(spec.name);
  }
  if (specs.length === 0) ctx.addIssue({ code: "custom", path: ["INFERENCE_MODELS"], message: "at least one model" });
  return { ...env, INFERENCE_MODELS: specs };
});
export type InferenceConfig = z.output<typeof InferenceConfig>;

export function loadInferenceConfig(env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  return parseEnv(InferenceConfig, env);
}

export function newWorkerId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 32);
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
