import { z } from "zod";
import { ResponseFormat } from "./openai-requests.js";
import { GrammarText, schemaProblem } from "./output-constraints.js";

/** `response_format` whose schema, if any, was checked to be one the grammar can enforce. */
const EnforceableResponseFormat = ResponseFormat.superRefine((format, ctx) => {
  const problem = format.type === "json_schema" ? schemaProblem(format.json_schema.schema) : undefined;
  if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["json_schema", "schema"] });
});

/**
 * Generation parameters a pipeline stage may set, in the snake_case of the definition files and
 * the HTTP API. Resolved per stage: models file `defaults` < the model's `overrides` < the stage <
 * what a run or rerun request sets for that stage.
 */
export const GenerationParams = z
  .object({
    max_tokens: z.number().int().positive(),
    temperature: z.number().min(0).max(2),
    top_p: z.number().gt(0).max(1),
    seed: z.number().int().nonnegative(),
    stop: z.array(z.string().min(1)).max(4),
    presence_penalty: z.number().min(-2).max(2),
    frequency_penalty: z.number().min(-2).max(2),
    /** Free text, any JSON object, or JSON matching a schema the grammar can enforce. */
    response_format: EnforceableResponseFormat,
    /** A GBNF grammar the answer must follow. */
    grammar: GrammarText,
  })
  .partial()
  .strict()
  .refine((params) => !(params.grammar && params.response_format && params.response_format.type !== "text"), {
    message: "give either 'grammar' or 'response_format', not both",
    path: ["grammar"],
  });
export type GenerationParams = z.infer<typeof GenerationParams>;

/** Per stage name: what a run or rerun changes of that stage's generation parameters. */
export const StageParamsByName = z.record(z.string(), GenerationParams);
export type StageParamsByName = z.infer<typeof StageParamsByName>;

export const PipelineRunStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type PipelineRunStatus = z.infer<typeof PipelineRunStatus>;
/** A run in one of these has ended: nothing more happens to it (unless a failed one is retried). */
export const isFinalRunStatus = (status: PipelineRunStatus) => status === "succeeded" || status === "failed" || status === "cancelled";

export const StageRunStatus = z.enum(["pending", "running", "succeeded", "failed"]);
export type StageRunStatus = z.infer<typeof StageRunStatus>;

/** One model's answer within a stage. */
export const StageAnswer = z.object({
  model: z.string(),
  /** `candidate`: one of the stage's models; `synthesis`: the answer written from the candidates. */
  role: z.enum(["candidate", "synthesis"]),
  text: z.string(),
  /** A vote stage: the choice this answer names (null when it named none). */
  choice: z.string().nullable().optional(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  ms: z.number().nonnegative(),
  workerId: z.string(),
  finishReason: z.string(),
});
export type StageAnswer = z.infer<typeof StageAnswer>;

export const StageRunView = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  kind: z.enum(["single", "multi"]),
  aggregation: z.string().nullable(),
  status: StageRunStatus,
  /** How many times this run tried the stage (0 for a stage taken over from the parent run). */
  attempts: z.number().int().nonnegative(),
  /** The prompt the stage's models got. */
  prompt: z.string().nullable(),
  answers: z.array(StageAnswer),
  /** What the stage passes on (its aggregated answer, with its input in `input_plus_answer` mode). */
  output: z.string().nullable(),
  /** A vote stage: votes per choice. */
  votes: z.record(z.string(), z.number().int()).nullable(),
  params: GenerationParams,
  /** Set when the stage's result was taken over from this earlier run instead of being computed. */
  reusedFromRunId: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type StageRunView = z.infer<typeof StageRunView>;

const TokenTotals = z.object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() });

export const PipelineRunView = z.object({
  id: z.string(),
  pipeline: z.string(),
  status: PipelineRunStatus,
  input: z.string(),
  /** The last stage's output once the run succeeded. */
  output: z.string().nullable(),
  error: z.string().nullable(),
  /** A rerun's parent, and the stage it was rerun from. */
  parentRunId: z.string().nullable(),
  rerunFromStage: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  usage: TokenTotals,
  stages: z.array(StageRunView),
});
export type PipelineRunView = z.infer<typeof PipelineRunView>;

/** A run in a history listing: no stages. */
export const PipelineRunSummary = PipelineRunView.omit({ stages: true });
export type PipelineRunSummary = z.infer<typeof PipelineRunSummary>;

/** On the PIPELINES work queue: run (or continue) this stored run. */
export const PipelineRunCommand = z.object({ v: z.literal(1), runId: z.string().min(1) });
export type PipelineRunCommand = z.infer<typeof PipelineRunCommand>;

/** `owner`: the key's id the run is for (null without keys): a monitor shows a key its own runs only. */
const eventBase = { v: z.literal(1), runId: z.string(), at: z.number().int(), owner: z.string().nullable().default(null) };
const stageRef = { stage: z.string(), index: z.number().int().nonnegative() };

/** Progress of one run, on `events.pipeline.<runId>` (stream EVENTS keeps them for replay). */
export const PipelineEvent = z.discriminatedUnion("type", [
  z.object({ ...eventBase, type: z.literal("run.queued"), pipeline: z.string(), parentRunId: z.string().nullable() }),
  z.object({ ...eventBase, type: z.literal("run.started"), attempt: z.number().int().positive() }),
  z.object({ ...eventBase, ...stageRef, type: z.literal("stage.started"), attempt: z.number().int().positive(), models: z.array(z.string()) }),
  /** Text of the last stage as it is generated (its final answer: the synthesis when there is one). */
  z.object({ ...eventBase, ...stageRef, type: z.literal("stage.delta"), text: z.string() }),
  /** Text of one model's answer in any stage as it is generated (a synthesis's writer too): what a watcher shows per model. */
  z.object({ ...eventBase, ...stageRef, type: z.literal("stage.answer.delta"), model: z.string(), role: z.enum(["candidate", "synthesis"]), text: z.string() }),
  z.object({
    ...eventBase,
    ...stageRef,
    type: z.literal("stage.completed"),
    output: z.string(),
    /** True when the result was a checkpoint (this run's own, or its parent's) and nothing ran. */
    reused: z.boolean(),
  }),
  z.object({ ...eventBase, ...stageRef, type: z.literal("stage.failed"), error: z.string(), willRetry: z.boolean() }),
  z.object({ ...eventBase, type: z.literal("run.completed"), output: z.string() }),
  z.object({ ...eventBase, type: z.literal("run.failed"), error: z.string() }),
  /** The task that ran it was cancelled. */
  z.object({ ...eventBase, type: z.literal("run.cancelled"), reason: z.string() }),
]);
export type PipelineEvent = z.infer<typeof PipelineEvent>;

/** Events after which a run's stream has nothing more to say. */
export const isFinalPipelineEvent = (event: PipelineEvent) => event.type === "run.completed" || event.type === "run.failed" || event.type === "run.cancelled";

/** Request/reply with the orchestrator: one subject per operation (`orchestrator.pipelines.<op>`). */
export const PipelineOp = z.enum(["start", "get", "rerun", "retry", "list", "definitions", "definition", "save", "models", "check"]);
export type PipelineOp = z.infer<typeof PipelineOp>;

/** The models the caller's key may use (null: any); a run needing another is refused. */
const AllowedModels = z.array(z.string()).nullable().default(null);

/**
 * The API key's id a task, conversation or run belongs to (null: the gateway runs without keys).
 * Others never see its tasks and conversations, and its key's limits and budget pay for the work.
 */
export const Owner = z.string().nullable();

export const StartRunRequest = z.object({
  v: z.literal(1),
  /** The pipeline's name: its file in PIPELINES_DIR, or the name given to an inline `definition`. */
  pipeline: z.string().min(1),
  /** A definition sent whole instead of a file's (checked by the orchestrator, which names each problem's field). */
  definition: z.unknown().optional(),
  input: z.string(),
  params: StageParamsByName.optional(),
  allowedModels: AllowedModels,
  owner: Owner.default(null),
});
export type StartRunRequest = z.infer<typeof StartRunRequest>;

export const GetRunRequest = z.object({ v: z.literal(1), runId: z.string().min(1), owner: Owner.default(null) });
export type GetRunRequest = z.infer<typeof GetRunRequest>;

/** A child run that takes over the parent's stages before `fromStage` and computes the rest. */
export const RerunRequest = z.object({
  v: z.literal(1),
  runId: z.string().min(1),
  /** A stage name, or its 1-based position in the pipeline. */
  fromStage: z.union([z.string().min(1), z.number().int().positive()]),
  params: StageParamsByName.optional(),
  /** A new run input: the stages reading the run's input run again too. */
  input: z.string().optional(),
  allowedModels: AllowedModels,
  owner: Owner.default(null),
});
export type RerunRequest = z.infer<typeof RerunRequest>;

/** Queues a failed run of the caller's key again: it continues from its checkpoints. */
export const RetryRunRequest = z.object({ v: z.literal(1), runId: z.string().min(1), allowedModels: AllowedModels, owner: Owner.default(null) });
export type RetryRunRequest = z.infer<typeof RetryRunRequest>;

export const ListRunsRequest = z.object({
  v: z.literal(1),
  pipeline: z.string().optional(),
  owner: Owner.default(null),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListRunsRequest = z.infer<typeof ListRunsRequest>;

export const ListDefinitionsRequest = z.object({ v: z.literal(1) });

export const PipelineDefinitionSummary = z.object({
  name: z.string(),
  description: z.string().nullable(),
  stages: z.array(z.object({ name: z.string(), kind: z.enum(["single", "multi"]), models: z.array(z.string()), aggregation: z.string().nullable() })),
});
export type PipelineDefinitionSummary = z.infer<typeof PipelineDefinitionSummary>;

/** Why the orchestrator refused: `status` is what the HTTP edge answers. */
export const OrchestratorError = z.object({
  status: z.union([z.literal(400), z.literal(403), z.literal(404), z.literal(409), z.literal(422), z.literal(500), z.literal(503)]),
  code: z.string(),
  message: z.string(),
  param: z.string().nullable(),
});
export type OrchestratorError = z.infer<typeof OrchestratorError>;

const failed = z.object({ v: z.literal(1), ok: z.literal(false), error: OrchestratorError });
export const answered = <T extends z.ZodRawShape>(shape: T) => z.discriminatedUnion("ok", [z.object({ v: z.literal(1), ok: z.literal(true), ...shape }), failed]);

export const RunReply = answered({ run: PipelineRunView });
export type RunReply = z.infer<typeof RunReply>;
export const ListRunsReply = answered({ runs: z.array(PipelineRunSummary) });
export type ListRunsReply = z.infer<typeof ListRunsReply>;
export const ListDefinitionsReply = answered({ pipelines: z.array(PipelineDefinitionSummary), problems: z.array(z.string()) });
export type ListDefinitionsReply = z.infer<typeof ListDefinitionsReply>;

/** How a run request is answered: `sync` waits for the run's end, `async` answers 202 at once, `stream` sends its events as SSE. */
export const ResponseMode = {
  /** Answer 202 with the queued run at once; follow it with GET .../runs/{id} or .../events. */
  async: z.boolean().default(false),
  /** Answer with the run's events as server-sent events until it ends. */
  stream: z.boolean().default(false),
};

/** `POST /v1/pipelines/{name}/runs`. */
export const PipelineRunBody = z
  .object({
    input: z.string(),
    /** Generation parameters per stage name, over the definition's. */
    params: StageParamsByName.optional(),
    ...ResponseMode,
  })
  .strict();
export type PipelineRunBody = z.input<typeof PipelineRunBody>;

/** `POST /v1/pipelines/runs/{id}/rerun`. */
export const PipelineRerunBody = z
  .object({
    /** A stage name, or its 1-based position. */
    from_stage: z.union([z.string().min(1), z.number().int().positive()]),
    params: StageParamsByName.optional(),
    input: z.string().optional(),
    ...ResponseMode,
  })
  .strict();
export type PipelineRerunBody = z.input<typeof PipelineRerunBody>;

/** `POST /v1/pipelines/runs/{id}/retry`. */
export const PipelineRetryBody = z.object({ ...ResponseMode }).strict();
