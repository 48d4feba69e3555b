import { z } from "zod";
import { DefinitionName } from "./pipeline-definition.js";
import { answered, ResponseMode, StageParamsByName } from "./pipelines.js";

/**
 * `POST /v1/pipelines/runs`: a run of a definition sent whole, not saved. The orchestrator checks
 * it as it checks a file and keeps it with the run, so history, reruns and retries use it.
 */
export const InlineRunBody = z
  .object({
    /** What the run is listed under. */
    name: DefinitionName.default("manual"),
    /** A pipeline file's content (`base_pipeline.stages`), as JSON. */
    definition: z.record(z.string(), z.unknown()),
    input: z.string(),
    params: StageParamsByName.optional(),
    ...ResponseMode,
  })
  .strict();
export type InlineRunBody = z.input<typeof InlineRunBody>;

/** A pipeline's file as written, to edit or to show. */
export const PipelineDefinitionView = z.object({
  name: z.string(),
  /** The file, as the orchestrator names it in messages. */
  file: z.string(),
  definition: z.unknown(),
});
export type PipelineDefinitionView = z.infer<typeof PipelineDefinitionView>;

export const GetDefinitionRequest = z.object({ v: z.literal(1), name: z.string().min(1) });
export const DefinitionReply = answered({ definition: PipelineDefinitionView });

/** `PUT /v1/pipelines/{name}` (admin token in `X-Admin-Token`): writes the definition to PIPELINES_DIR. */
export const SaveDefinitionBody = z
  .object({
    /** A pipeline file's content (`base_pipeline.stages`), as JSON. */
    definition: z.record(z.string(), z.unknown()),
    /** Replace a pipeline of that name; without it an existing one is kept (409). */
    overwrite: z.boolean().default(false),
  })
  .strict();
export type SaveDefinitionBody = z.input<typeof SaveDefinitionBody>;

export const SaveDefinitionRequest = z.object({ v: z.literal(1), name: DefinitionName, definition: z.unknown(), overwrite: z.boolean() });
export const SavedDefinition = z.object({ name: z.string(), file: z.string(), created: z.boolean() });
export type SavedDefinition = z.infer<typeof SavedDefinition>;
export const SaveDefinitionReply = answered({ saved: SavedDefinition });

/** Where a model stands for a run: served now, loadable (file on disk, memory free on a worker), or not, with the numbers. */
export const ModelReadiness = z.enum(["served", "loadable", "too_large", "no_worker", "missing_file"]);
export type ModelReadiness = z.infer<typeof ModelReadiness>;

export const PipelineModelStatus = z.object({
  /** Its name in models.yaml: what workers serve it under. */
  name: z.string(),
  file: z.string(),
  path: z.string(),
  onDisk: z.boolean(),
  sizeBytes: z.number().nonnegative().nullable(),
  quantization: z.string().nullable(),
  requiredForBase: z.boolean(),
  /** The pipelines (of PIPELINES_DIR) whose stages name it. */
  usedBy: z.array(z.string()),
  servedBy: z.array(z.object({ workerId: z.string(), host: z.string(), pool: z.string(), state: z.string() })),
  readiness: ModelReadiness,
  /** Memory a load needs (the file with a margin for its contexts) and the most a live worker has free. */
  neededBytes: z.number().nonnegative().nullable(),
  bestFreeBytes: z.number().nonnegative().nullable(),
  /** The worker with the most free memory. */
  bestWorkerId: z.string().nullable(),
  /** In a sentence: why it can or cannot run. */
  detail: z.string(),
});
export type PipelineModelStatus = z.infer<typeof PipelineModelStatus>;

export const PipelineModelsReport = z.object({
  /** models.yaml, as messages name it; null when it cannot be read (see problems). */
  modelsFile: z.string().nullable(),
  modelsDirectory: z.string().nullable(),
  models: z.array(PipelineModelStatus),
  workers: z.array(
    z.object({
      workerId: z.string(),
      host: z.string(),
      pool: z.string(),
      ramFreeBytes: z.number().nonnegative(),
      ramTotalBytes: z.number().nonnegative(),
      vramFreeBytes: z.number().nonnegative().nullable(),
      vramTotalBytes: z.number().nonnegative().nullable(),
      models: z.array(z.string()),
    }),
  ),
  problems: z.array(z.string()),
});
export type PipelineModelsReport = z.infer<typeof PipelineModelsReport>;

export const ModelsReportRequest = z.object({ v: z.literal(1) });
export const ModelsReportReply = answered({ report: PipelineModelsReport });

/** `POST /v1/pipelines/check`: can this pipeline (by name, or a definition sent whole) start now? */
export const PipelineCheckBody = z.union([
  z.object({ pipeline: z.string().min(1) }).strict(),
  z.object({ definition: z.record(z.string(), z.unknown()) }).strict(),
]);
export type PipelineCheckBody = z.input<typeof PipelineCheckBody>;

export const PipelineCheck = z.object({
  ready: z.boolean(),
  /** Why it cannot start: definition problems, or models neither served nor loadable. */
  problems: z.array(z.string()),
  /** The models a run needs. */
  models: z.array(PipelineModelStatus),
});
export type PipelineCheck = z.infer<typeof PipelineCheck>;

export const CheckRequest = z.object({ v: z.literal(1), pipeline: z.string().min(1).optional(), definition: z.unknown().optional() });
export const CheckReply = answered({ check: PipelineCheck });
