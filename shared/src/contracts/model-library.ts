import { z } from "zod";
import { MemoryFit, ModelSpec } from "./model-control.js";
import { ModelPreset } from "./model-presets.js";
import { ComputePool, ModelState, ServedModel, WorkerHardware } from "./worker-heartbeat.js";

/*
 * The admin service's model library API (`/api/models`, `/api/workers`), as it answers: the admin
 * service documents its routes by these, the web app's Models page types its calls by them.
 */

const Timestamp = z.string().meta({ format: "date-time" });
const Memory = z.object({ ramBytes: z.number().nonnegative(), vramBytes: z.number().nonnegative() });

/** One live worker holding a model, as of its last heartbeat. */
export const ModelPlacement = z
  .object({
    workerId: z.string(),
    host: z.string(),
    pool: ComputePool,
    state: ModelState,
    contextSize: z.number().int(),
    slots: z.number().int(),
    freeSlots: z.number().int(),
    /** The worker's estimate of the model with its contexts; absent before the first load. */
    memory: Memory.optional().meta({ description: "Estimated RAM and VRAM of the model with its contexts." }),
    seenAt: Timestamp,
    reason: z.string().optional(),
  })
  .meta({ id: "ModelPlacement" });
export type ModelPlacement = z.infer<typeof ModelPlacement>;

export const ModelEntry = z
  .object({
    name: z.string(),
    file: z.string().nullable().meta({ description: "Path under MODELS_DIR, or as registered when not on this host." }),
    onDisk: z.boolean(),
    sizeBytes: z.number().int().nullable(),
    modifiedAt: Timestamp.nullable(),
    architecture: z.string().nullable(),
    quantization: z.string().nullable().meta({ description: "GGUF file type (e.g. Q4_K_M), or the dominant tensor type." }),
    contextLength: z.number().int().nullable().meta({ description: "Training context length from the GGUF header." }),
    parameterCount: z.number().int().nullable(),
    hasChatTemplate: z.boolean().nullable(),
    metadataError: z.string().nullable().meta({ description: "Why the GGUF header could not be read." }),
    sha256: z.string().nullable(),
    source: z.record(z.string(), z.unknown()).nullable(),
    registeredAt: Timestamp.nullable(),
    firstServedAt: Timestamp.nullable(),
    loadedOn: z.array(ModelPlacement).meta({ description: "Live workers holding the model, from their heartbeats." }),
  })
  .meta({ id: "Model" });
export type ModelEntry = z.infer<typeof ModelEntry>;

export const ModelList = z.object({ models: z.array(ModelEntry) }).meta({ id: "ModelList" });
export type ModelList = z.infer<typeof ModelList>;

/** A live worker: what it runs on, its free memory and its models, as of its last heartbeat. */
export const FleetWorker = z
  .object({
    workerId: z.string(),
    host: z.string(),
    pool: ComputePool,
    hardware: WorkerHardware,
    models: z.array(ServedModel),
    seenAt: Timestamp,
  })
  .meta({ id: "FleetWorker" });
export type FleetWorker = z.infer<typeof FleetWorker>;

export const WorkerList = z.object({ workers: z.array(FleetWorker) }).meta({ id: "WorkerList" });
export type WorkerList = z.infer<typeof WorkerList>;

/** `POST /api/workers/{workerId}/models` and `.../fit` take a model spec: the file and how to run it. */
export const WorkerModelBody = ModelSpec.meta({ id: "WorkerModelSpec" });
export type WorkerModelBody = z.infer<typeof WorkerModelBody>;

/** What loading a model on a worker would take, by the worker's own estimate, and what it breaks. */
export const ModelFitAnswer = z
  .object({
    workerId: z.string(),
    fit: MemoryFit,
    fits: z.boolean(),
    /** Every limit the estimate breaks, in words with the numbers; empty when it fits. */
    shortfalls: z.array(z.string()),
  })
  .meta({ id: "ModelFit" });
export type ModelFitAnswer = z.infer<typeof ModelFitAnswer>;

/** A load's or unload's answer: the model as the worker shows it after the operation. */
export const WorkerModelAnswer = z.object({ workerId: z.string(), model: ServedModel }).meta({ id: "WorkerModel" });
export type WorkerModelAnswer = z.infer<typeof WorkerModelAnswer>;

/** `POST /api/models/pulls/{pullId}/cancel`: which fetcher stopped it. */
export const PullCancelAnswer = z.object({ pullId: z.string(), cancelled: z.literal(true), fetcherId: z.string() }).meta({ id: "ModelPullCancelled" });
export type PullCancelAnswer = z.infer<typeof PullCancelAnswer>;

/** `GET /api/model-presets`: the running fetchers' catalogue, what a pull by preset can take. */
export const PresetList = z.object({ presets: z.array(ModelPreset) }).meta({ id: "ModelPresetList" });
export type PresetList = z.infer<typeof PresetList>;
