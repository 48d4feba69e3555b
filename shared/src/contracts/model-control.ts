import { z } from "zod";
import { ServedModel } from "./worker-heartbeat.js";

/** GPU layers: `auto` offloads as many as fit in free VRAM; a number pins it (0 keeps the model in RAM). */
export const GpuLayers = z.union([z.literal("auto"), z.number().int().nonnegative()]);
export type GpuLayers = z.infer<typeof GpuLayers>;

/**
 * A model a worker is asked to serve: a GGUF file under the worker's models dir and how to run
 * it. Options left out take the worker's defaults (INFERENCE_SLOTS, INFERENCE_CONTEXT_SIZE, ...).
 */
export const ModelSpec = z.strictObject({
  name: z.string().min(1).max(256),
  /** Relative to the worker's models dir; never outside it. */
  file: z.string().min(1).max(1024).regex(/\.[gG][gG][uU][fF]$/, "must name a .gguf file"),
  /** Parallel sequences: how many jobs of this model run at once. */
  slots: z.number().int().min(1).max(64).optional(),
  /** Tokens per sequence; 0 takes the model's training context (at most 8192). */
  contextSize: z.number().int().nonnegative().optional(),
  /** Contexts the slots are spread over; 0 picks by backend. */
  contexts: z.number().int().min(0).max(64).optional(),
  gpuLayers: GpuLayers.optional(),
  /** Unload after this long without a job; 0 never. The model stays listed and reloads on demand. */
  idleUnloadMs: z.number().int().nonnegative().optional(),
  /** A chat template name overriding the file's (`auto`: the file's); the worker knows the names. */
  chatWrapper: z.string().min(1).max(64).optional(),
  /** Put first in a chat that has no system message of its own; empty: none. */
  systemPrompt: z.string().max(32_768).optional(),
});
export type ModelSpec = z.infer<typeof ModelSpec>;

const Bytes = z.number().int().nonnegative();

/** The numbers behind a decision to load a model or refuse it. */
export const MemoryFit = z.object({
  gpuLayers: z.number().int().nonnegative(),
  totalLayers: z.number().int().nonnegative(),
  contextSize: z.number().int().positive(),
  slots: z.number().int().positive(),
  contexts: z.number().int().positive(),
  /** Estimated from the GGUF file: the weights plus every context's KV cache and buffers. */
  needed: z.object({ ramBytes: Bytes, vramBytes: Bytes }),
  /** Free when the estimate was made, less node-llama-cpp's safety padding; VRAM is null on the CPU pool. */
  available: z.object({ ramBytes: Bytes, vramBytes: Bytes.nullable() }),
  /** INFERENCE_MEMORY_LIMIT (RAM + VRAM of all this worker's models), null when unset. */
  capBytes: Bytes.nullable(),
  /** What this worker's other models already take under the cap. */
  usedByWorkerBytes: Bytes,
});
export type MemoryFit = z.infer<typeof MemoryFit>;

const ModelLoadRequest = z.object({
  v: z.literal(1),
  op: z.literal("load"),
  model: ModelSpec,
});

const ModelUnloadRequest = z.object({
  v: z.literal(1),
  op: z.literal("unload"),
  name: z.string().min(1).max(256),
  /** How long running jobs may take to finish before they are cancelled; the worker's default when absent. */
  graceMs: z.number().int().nonnegative().max(600_000).optional(),
});

/** What loading `model` would take on this worker, estimated as a load would, without loading it. */
const ModelEstimateRequest = z.object({
  v: z.literal(1),
  op: z.literal("estimate"),
  model: ModelSpec,
});

/** Sent request/reply to one worker's control subject (`natsNames().subjects.modelControl`). */
export const ModelControlRequest = z.discriminatedUnion("op", [ModelLoadRequest, ModelUnloadRequest, ModelEstimateRequest]);
export type ModelControlRequest = z.infer<typeof ModelControlRequest>;

export const ModelControlErrorCode = z.enum([
  /** The request does not match ModelControlRequest. */
  "invalid_request",
  /** The file is absolute or climbs out of the models dir. */
  "path_outside_models_dir",
  "file_not_found",
  /** The file was in the `models` object store but copying it failed or its digest did not match. */
  "model_store_failed",
  /** The file is there but is not a GGUF model node-llama-cpp can read. */
  "invalid_model_file",
  /** The estimate exceeds free RAM, free VRAM or the worker's memory cap; `fit` has the numbers. */
  "insufficient_memory",
  /** A model of that name is loaded with other settings: unload it first. */
  "already_loaded",
  "unknown_model",
  "load_failed",
  "shutting_down",
]);
export type ModelControlErrorCode = z.infer<typeof ModelControlErrorCode>;

export const ModelControlError = z.object({
  code: ModelControlErrorCode,
  message: z.string(),
  fit: MemoryFit.optional(),
});

export const ModelControlReply = z.discriminatedUnion("ok", [
  /** `model` is the model's entry as the heartbeat shows it after the operation. */
  z.object({ v: z.literal(1), ok: z.literal(true), model: ServedModel }),
  z.object({ v: z.literal(1), ok: z.literal(false), error: ModelControlError }),
]);
export type ModelControlReply = z.infer<typeof ModelControlReply>;

/** The answer to an `estimate`: the numbers, and every limit they break (empty: a load would fit). */
export const ModelEstimateReply = z.discriminatedUnion("ok", [
  z.object({ v: z.literal(1), ok: z.literal(true), fit: MemoryFit, shortfalls: z.array(z.string()) }),
  z.object({ v: z.literal(1), ok: z.literal(false), error: ModelControlError }),
]);
export type ModelEstimateReply = z.infer<typeof ModelEstimateReply>;
