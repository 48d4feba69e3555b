import { z } from "zod";
import { MemoryFit, ModelControlErrorCode } from "./model-control.js";
import { ComputePool } from "./worker-heartbeat.js";

/** What made a worker load a model: its config at start, a control command, or a job for an idle-unloaded model. */
export const ModelLoadTrigger = z.enum(["config", "command", "demand"]);
export type ModelLoadTrigger = z.infer<typeof ModelLoadTrigger>;

export const ModelUnloadReason = z.enum(["command", "idle", "shutdown"]);
export type ModelUnloadReason = z.infer<typeof ModelUnloadReason>;

const EventBase = {
  v: z.literal(1),
  /** Unique per event: the JetStream message id, so a replayed publish is stored once. */
  id: z.string().min(1),
  at: z.number().int(),
  workerId: z.string(),
  pool: ComputePool,
  model: z.string(),
  token: z.string(),
  file: z.string(),
};

const ModelLoadedEvent = z.object({
  ...EventBase,
  type: z.literal("model.loaded"),
  trigger: ModelLoadTrigger,
  fit: MemoryFit,
  loadMs: z.number().nonnegative(),
});

const ModelUnloadedEvent = z.object({
  ...EventBase,
  type: z.literal("model.unloaded"),
  reason: ModelUnloadReason,
  /** Jobs still running when the grace period ran out, cancelled so the model could go. */
  cancelledJobs: z.number().int().nonnegative(),
  unloadMs: z.number().nonnegative(),
});

export const ModelLoadFailedEvent = z.object({
  ...EventBase,
  type: z.literal("model.load_failed"),
  trigger: ModelLoadTrigger,
  code: ModelControlErrorCode,
  reason: z.string(),
  /** Present when the estimate was made (a refusal for memory carries the numbers). */
  fit: MemoryFit.optional(),
  durationMs: z.number().nonnegative(),
});

/** Published on `events.<type>` (stream EVENTS), e.g. `events.model.loaded`. */
export const ModelEvent = z.discriminatedUnion("type", [ModelLoadedEvent, ModelUnloadedEvent, ModelLoadFailedEvent]);
export type ModelEvent = z.infer<typeof ModelEvent>;
export type ModelEventType = ModelEvent["type"];
export type ModelLoadFailedEvent = z.infer<typeof ModelLoadFailedEvent>;
