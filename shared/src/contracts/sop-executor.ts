import { z } from "zod";

/**
 * The SOP LLM executor's request bodies (its FastAPI/pydantic schemas), as the gateway's
 * compatibility surface takes them. Unknown fields are dropped, as pydantic does by default.
 */

/** `POST /api/v1/tasks` in the executor's shape: sampling fields at the top level, numeric priority. */
export const SopTaskBody = z.object({
  model: z.string().min(1).max(256),
  prompt: z.string().min(1),
  temperature: z.number().min(0).max(2).nullish(),
  max_tokens: z.number().int().min(1).max(128_000).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  /** Accepted for compatibility; tasks sample without top-k. */
  top_k: z.number().int().min(0).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  seed: z.number().int().min(0).nullish(),
  response_format: z.record(z.string(), z.unknown()).nullish(),
  grammar: z.string().nullish(),
  /** Tasks are asynchronous: accepted and ignored. */
  stream: z.boolean().nullish(),
  webhook_url: z.string().nullish(),
  /** Echoed back; the executor's deduplication by key is not done here. */
  idempotency_key: z.string().max(256).nullish(),
  /** 0-100, higher first; mapped onto Lantern's three classes. */
  priority: z.number().min(0).max(100).default(1),
});
export type SopTaskBody = z.output<typeof SopTaskBody>;

/** Fields only the executor's task body has: any of them (or a numeric priority) marks a body as its. */
export const SOP_ONLY_TASK_FIELDS = [
  "temperature",
  "max_tokens",
  "top_p",
  "top_k",
  "frequency_penalty",
  "presence_penalty",
  "stop_sequences",
  "seed",
  "response_format",
  "grammar",
  "stream",
  "idempotency_key",
] as const;

const ModelName = z.string().min(1).max(256);

export const SopEmbeddingsBody = z.object({ texts: z.array(z.string()).min(1).max(100), model_name: ModelName });
export const SopSimilarityBody = z.object({ text1: z.string(), text2: z.string(), model_name: ModelName });

/** `POST /api/v1/models/register`: local models only (`config.model_path` under the workers' models dir). */
export const SopRegisterBody = z.object({
  name: z.string().min(1).max(100).regex(/^[a-zA-Z0-9._-]+$/),
  provider: z.enum(["local", "openai", "anthropic", "openai_compatible"]),
  config: z.object({
    model_path: z.string().min(1).max(1024).optional(),
    context_window: z.number().int().min(0).optional(),
    /** -1: all layers that fit (`auto`). */
    gpu_layers: z.number().int().min(-1).optional(),
  }),
});

export const SopPresetBody = z.object({
  preset_name: z.string().min(1).max(100),
  auto_download: z.boolean().default(true),
  quantization: z.string().nullish(),
});

export const SopCompatibilityBody = z.object({ preset_name: z.string().min(1).max(100), quantization: z.string().nullish() });

export const SopLoadBody = z.object({
  model_name: ModelName,
  /** Relative to the workers' models dir; `<model_name>.gguf` when absent. */
  model_path: z.string().min(1).max(1024).optional(),
  context_window: z.number().int().min(0).optional(),
  gpu_layers: z.number().int().min(-1).optional(),
  worker_id: z.string().min(1).max(128).optional(),
});

export const SopUnloadBody = z.object({ model_name: ModelName, worker_id: z.string().min(1).max(128).optional() });

/** What a client sends on `WS /ws/monitor`. */
export const SopMonitorCommand = z.discriminatedUnion("type", [
  z.object({ type: z.literal("subscribe"), events: z.array(z.string().min(1).max(64)).max(32).default(["*"]) }),
  z.object({ type: z.literal("unsubscribe"), events: z.array(z.string().min(1).max(64)).max(32).default([]) }),
  z.object({ type: z.literal("filter_task"), task_id: z.string().max(128).nullish() }),
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("get_queue_stats") }),
]);
export type SopMonitorCommand = z.infer<typeof SopMonitorCommand>;

/** The event names the executor's monitor socket sends, besides its replies to commands. */
export const SOP_MONITOR_EVENTS = [
  "gpu_stats",
  "task.queued",
  "task.started",
  "task.progress",
  "task.completed",
  "task.failed",
  "model.loaded",
  "model.unloaded",
  "log",
] as const;
