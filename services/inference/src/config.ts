import { availableParallelism, hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { WORKER_HEARTBEAT_TTL_MS } from "@lantern/shared/contracts";
import { CHAT_WRAPPER_NAMES } from "./models/chat-wrapper.js";

/** `name=file.gguf` or just `file.gguf` (the name is then the file name without `.gguf`). */
const ModelSpec = z.string().transform((spec, ctx) => {
  const [left, right] = spec.includes("=") ? spec.split("=", 2) : [undefined, spec];
  const file = (right ?? "").trim();
  if (!file.endsWith(".gguf")) {
    ctx.addIssue({ code: "custom", message: `model file must end in .gguf: ${JSON.stringify(spec)}` });
    return z.NEVER;
  }
  const name = (left ?? file.replace(/^.*\//, "").replace(/\.gguf$/, "")).trim();
  if (!name) {
    ctx.addIssue({ code: "custom", message: `empty model name in ${JSON.stringify(spec)}` });
    return z.NEVER;
  }
  return { name, file };
});
export type ModelSpec = z.output<typeof ModelSpec>;

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
  MODELS_DIR: z.string().default("./models"),
  INFERENCE_MODELS: z
    .string()
    .default("stories260K.gguf")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(ModelSpec).min(1, "at least one model")),
  /** `auto` detects CUDA, then Vulkan, then Metal, then the CPU; a named backend is required. */
  INFERENCE_GPU: z.enum(["auto", "cuda", "vulkan", "metal", "cpu"]).default("auto"),
  /** Parallel sequences (slots) per model: how many jobs of one model run at once. */
  INFERENCE_SLOTS: intVar(8, { min: 1, max: 64 }),
  INFERENCE_THREADS: intVar(defaultThreads(), { min: 0, max: 256 }),
  /** Contexts the slots of a model are spread over; 0 picks by backend (see defaultContexts). */
  INFERENCE_CONTEXTS: intVar(0, { min: 0, max: 64 }),
  /** Tokens per sequence; 0 means the model's training context. */
  INFERENCE_CONTEXT_SIZE: intVar(0, { min: 0 }),
  /** The chat template: `auto` reads it from the model file; a node-llama-cpp template name overrides it. */
  INFERENCE_CHAT_WRAPPER: z.enum(CHAT_WRAPPER_NAMES).default("auto"),
  INFERENCE_ACK_WAIT_MS: intVar(10_000, { min: 500 }),
  INFERENCE_MAX_DELIVER: intVar(3, { min: 1 }),
  /** Text generated within this window after the first token travels as one chunk. */
  INFERENCE_STREAM_FLUSH_MS: intVar(25, { min: 0, max: 1_000 }),
  INFERENCE_HEARTBEAT_MS: intVar(2_000, { min: 100 }),
  INFERENCE_SHUTDOWN_GRACE_MS: intVar(30_000, { min: 0 }),
  WORKER_HEARTBEAT_TTL_MS: intVar(WORKER_HEARTBEAT_TTL_MS, { min: 1_000 }),
  WORKER_ID: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
});
export type InferenceConfig = z.output<typeof InferenceConfig>;

export function loadInferenceConfig(env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  return parseEnv(InferenceConfig, env);
}

export function newWorkerId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 32);
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
