import { availableParallelism, hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { readFileSync } from "node:fs";
import { byteSizeVar, intVar, natsEnv, parseEnv, withEnvAliases } from "@lantern/shared/config";
import { ModelSpec, WORKER_HEARTBEAT_TTL_MS, type GpuLayers } from "@lantern/shared/contracts";
import { buildEnv, metricsServerEnv, telemetryEnv } from "@lantern/shared/telemetry";
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
  ...buildEnv,
  MODELS_DIR: z.string().default("./models").describe("where model files are"),
  INFERENCE_MODEL_CACHE_DIR: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().optional())
    .describe("where copies from the object store go (a worker on a host without the models volume); unset: `MODELS_DIR`"),
  INFERENCE_MODEL_STORE: z
    .enum(["on", "off"])
    .default("on")
    .describe("`on`: a model file missing on this host is copied from the NATS object store `models`; `off`: never"),
  INFERENCE_MODELS: z
    .preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), ModelList.optional())
    .describe(
      `comma-separated \`file.gguf\` or \`name=file.gguf\`, each optionally followed by \`?slots=&context=&contexts=&gpuLayers=&idleUnloadMs=&systemPrompt=\`; unset: \`HF_FILE\` (BricksLLM's name) if set, else the bundled \`${DEFAULT_MODEL}\`, unless \`INFERENCE_MODELS_FILE\` is set`,
    ),
  INFERENCE_MODELS_FILE: z
    .string()
    .optional()
    .describe('a JSON array of model specs (`{"name","file","slots","contextSize","contexts","gpuLayers","idleUnloadMs","systemPrompt"}`) served beside `INFERENCE_MODELS`'),
  INFERENCE_GPU: z
    .enum(["auto", "cuda", "vulkan", "metal", "cpu"])
    .default("auto")
    .describe(
      "`auto` (node-llama-cpp's detection: CUDA, then Vulkan, then Metal, then the CPU) or a backend to require: `cuda`, `vulkan`, `metal`, `cpu`. A required backend that cannot run here stops the worker with the reason (exit 1); it never falls back",
    ),
  INFERENCE_SLOTS: intVar(8, { min: 1, max: 64 }).describe("default parallel sequences per model (jobs of one model run at once)"),
  INFERENCE_THREADS: intVar(defaultThreads(), { min: 0, max: 256 }).meta({
    description: "llama.cpp threads per context (see [Performance](performance.md))",
    defaultText: "`1` on <= 4 cores, else cores - 2",
  }),
  INFERENCE_CONTEXTS: intVar(0, { min: 0, max: 64 }).describe(
    "contexts a model's slots are spread over; `0`: a context per slot on the CPU with 1 thread, else 1 (see [Performance](performance.md))",
  ),
  INFERENCE_FLASH_ATTENTION: z
    .enum(["auto", "on", "off"])
    .default("auto")
    .describe(
      "`auto`: off on the CPU for models whose attention head size is not a multiple of 16 (llama.cpp's CPU kernel is slow there; the bundled model's is 8, see [Performance](performance.md)), else node-llama-cpp's choice; `on` / `off` force it",
    ),
  INFERENCE_BATCH_SIZE: intVar(0, { min: 0, max: 65_536 }).describe("most tokens one decode step takes; `0`: 128 where flash attention is off on the CPU, else 512"),
  INFERENCE_CONTEXT_SIZE: intVar(0, { min: 0 }).describe(
    "tokens per sequence; `0`: the model's training context (at most 8192); unset: `CONTEXT_SIZE` (BricksLLM's name) if set",
  ),
  INFERENCE_GPU_LAYERS: GpuLayersVar.describe(
    "default GPU layers per model: `auto` fits as many as free VRAM takes, a number pins it; unset: `N_GPU_LAYERS` (BricksLLM's name) if set",
  ),
  INFERENCE_MEMORY_LIMIT: byteSizeVar().describe(
    "most memory (RAM + VRAM, estimated from the GGUF files) the worker's models may take together: bytes, `512MiB`, `8GiB`; unset: only free memory limits it",
  ),
  INFERENCE_IDLE_UNLOAD_MS: intVar(0, { min: 0 }).describe("default per model: unload after this long without a job (it reloads on the next); `0`: never"),
  INFERENCE_UNLOAD_GRACE_MS: intVar(30_000, { min: 0 }).describe("how long an unload command lets running jobs finish before cancelling them, unless it says"),
  INFERENCE_CHAT_WRAPPER: z
    .enum(CHAT_WRAPPER_NAMES)
    .default("auto")
    .describe(
      "the chat template: `auto` reads it from the model file (a plain one when it has none); a node-llama-cpp template name (`llama3.1`, `qwen`, `deepSeek`, `chatML`, `mistral`, `functionary`, ...) or `qwen3.5` overrides it, for files whose template is missing or wrong",
    ),
  INFERENCE_SYSTEM_PROMPT: z
    .string()
    .max(32_768)
    .default("")
    .describe(
      "default per model (a model's `systemPrompt` overrides it): put first in a chat that has no system message of its own; empty: none; unset: `SYSTEM_PROMPT` (BricksLLM's name) if set",
    ),
  INFERENCE_ACK_WAIT_MS: intVar(10_000, { min: 500 }).describe("a pulled job not acked or kept alive this long is redelivered"),
  INFERENCE_MAX_DELIVER: intVar(3, { min: 1 }).describe("a job that took down this many workers is dropped"),
  INFERENCE_STREAM_FLUSH_MS: intVar(25, { min: 0, max: 1_000 }).describe(
    "text after the first token is sent on a worker-wide tick this often, coalesced; `0` sends every piece at once",
  ),
  INFERENCE_ENGINE: z
    .enum(["llama", "synthetic"])
    .default("llama")
    .describe(
      "`llama`: node-llama-cpp on real models; `synthetic` replaces the model by replies on timers, for measuring the platform's capacity (`npm run bench:scale`); never for serving",
    ),
  INFERENCE_SYNTHETIC_MODEL: z.string().min(1).max(256).default("synthetic").describe("the model name a synthetic worker serves"),
  INFERENCE_SYNTHETIC_TOKENS_PER_S: intVar(50, { min: 1, max: 100_000 }).describe("a synthetic worker's tokens/s per stream"),
  INFERENCE_POLL_MS: intVar(1_000, { min: 50 }).describe("an idle worker looks for jobs it was not told about (redeliveries) this often"),
  INFERENCE_PRIORITY_AGING_MS: intVar(10_000, { min: 0 }).describe(
    "a priority passed over this long is looked at first: low work is slowed, never starved (see [Models and scheduling](models-and-scheduling.md))",
  ),
  INFERENCE_HEARTBEAT_MS: intVar(2_000, { min: 100 }).describe("heartbeat interval into KV `workers`"),
  INFERENCE_SHUTDOWN_GRACE_MS: intVar(30_000, { min: 0 }).describe("on SIGTERM, how long running jobs may finish before they are cancelled"),
  WORKER_HEARTBEAT_TTL_MS: intVar(WORKER_HEARTBEAT_TTL_MS, { min: 1_000 }).describe("a worker whose last heartbeat is older than this is gone"),
  WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional()
    .describe("the worker's name in heartbeats and logs; unset: host, pid and a random suffix"),
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

/** BricksLLM's names for the same settings, read where Lantern's are unset. */
const BRICKSLLM_ALIASES = {
  CONTEXT_SIZE: "INFERENCE_CONTEXT_SIZE",
  N_GPU_LAYERS: "INFERENCE_GPU_LAYERS",
  SYSTEM_PROMPT: "INFERENCE_SYSTEM_PROMPT",
  HF_FILE: "INFERENCE_MODELS",
};

export function loadInferenceConfig(env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  return parseEnv(InferenceConfig, withEnvAliases(env, BRICKSLLM_ALIASES));
}

export function newWorkerId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 32);
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
