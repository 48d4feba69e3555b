import { z } from "zod";

export const ComputePool = z.enum(["cuda", "vulkan", "metal", "cpu"]);
export type ComputePool = z.infer<typeof ComputePool>;

export const ServedModel = z.object({
  name: z.string(),
  token: z.string(),
  contextSize: z.number().int().positive(),
  slots: z.number().int().positive(),
  freeSlots: z.number().int().nonnegative(),
});
export type ServedModel = z.infer<typeof ServedModel>;

/** Written by each worker into KV `workers` every interval; stale entries mean a lost worker. */
export const WorkerHeartbeat = z.object({
  v: z.literal(1),
  workerId: z.string(),
  host: z.string(),
  pool: ComputePool,
  startedAt: z.number().int(),
  at: z.number().int(),
  models: z.array(ServedModel),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeat>;

/** Written once per model into KV `models` when a worker first serves it. */
export const ModelCatalogEntry = z.object({
  v: z.literal(1),
  name: z.string(),
  token: z.string(),
  contextSize: z.number().int().positive(),
  firstServedAt: z.number().int(),
});
export type ModelCatalogEntry = z.infer<typeof ModelCatalogEntry>;

/** A worker whose last heartbeat is older than this is considered gone. */
export const WORKER_HEARTBEAT_TTL_MS = 10_000;
