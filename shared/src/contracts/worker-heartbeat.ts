import { z } from "zod";

export const ComputePool = z.enum(["cuda", "vulkan", "metal", "cpu"]);
export type ComputePool = z.infer<typeof ComputePool>;

/**
 * A model's state on one worker. `unloaded`: unloaded after idling, still served (a job for it
 * loads it again); `failed`: it could not be loaded, `reason` says why.
 */
export const ModelState = z.enum(["loading", "loaded", "unloaded", "failed"]);
export type ModelState = z.infer<typeof ModelState>;

export const ServedModel = z.object({
  name: z.string(),
  token: z.string(),
  /** Tokens per sequence; 0 while not known (a model that never loaded). */
  contextSize: z.number().int().nonnegative(),
  slots: z.number().int().positive(),
  freeSlots: z.number().int().nonnegative(),
  /** Absent from workers that predate model states: loaded. */
  state: ModelState.optional(),
  /** Contexts the slots are spread over. */
  contexts: z.number().int().positive().optional(),
  gpuLayers: z.number().int().nonnegative().optional(),
  /** 0: never unloaded for idling. */
  idleUnloadMs: z.number().int().nonnegative().optional(),
  /** Estimated memory of the model with its contexts. */
  memory: z.object({ ramBytes: z.number().nonnegative(), vramBytes: z.number().nonnegative() }).optional(),
  /** Why a `failed` model could not be loaded. */
  reason: z.string().optional(),
});
export type ServedModel = z.infer<typeof ServedModel>;

const MemoryState = z.object({ totalBytes: z.number().nonnegative(), freeBytes: z.number().nonnegative() });

/** The devices a worker computes on and their memory, free as of the heartbeat. */
export const WorkerHardware = z.object({
  /** GPU device names; empty on the CPU pool. */
  devices: z.array(z.string()),
  /** GPU memory; null on the CPU pool. */
  vram: MemoryState.nullable(),
  ram: MemoryState,
});
export type WorkerHardware = z.infer<typeof WorkerHardware>;

/** Written by each worker into KV `workers` every interval; stale entries mean a lost worker. */
export const WorkerHeartbeat = z.object({
  v: z.literal(1),
  workerId: z.string(),
  host: z.string(),
  pool: ComputePool,
  hardware: WorkerHardware,
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
