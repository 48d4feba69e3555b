import { z } from "zod";
import { Priority } from "./infer-job.js";
import { GenerationParams, OrchestratorError, Owner, StageParamsByName } from "./pipelines.js";

/**
 * Async tasks: one model call or one pipeline run, queued in the orchestrators' tables by
 * priority, followed by id, optionally announced to a webhook when they end.
 */

export const TaskStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const isFinalTaskStatus = (status: TaskStatus) => status === "succeeded" || status === "failed" || status === "cancelled";

export const TaskKind = z.enum(["model", "pipeline"]);
export type TaskKind = z.infer<typeof TaskKind>;

/** A chat turn of a model task (text only). */
const TaskMessage = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }).strict();

/** What a task runs on: a text prompt (a completion; a pipeline's input), or chat messages (model tasks). */
export const TaskInput = z.union([z.object({ prompt: z.string() }), z.object({ messages: z.array(TaskMessage).min(1) })]);
export type TaskInput = z.infer<typeof TaskInput>;

/** Only http(s) URLs: a webhook never reaches a file or another scheme. */
const WebhookUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an absolute http:// or https:// URL");

/** `POST /api/v1/tasks`: exactly one of `model`/`pipeline`, exactly one of `prompt`/`messages`. */
export const TaskCreateBody = z
  .object({
    model: z.string().min(1).max(256).optional(),
    pipeline: z.string().min(1).max(256).optional(),
    prompt: z.string().optional(),
    messages: z.array(TaskMessage).min(1).optional(),
    /** Model tasks: generation parameters; pipeline tasks: parameters per stage name. */
    params: z.record(z.string(), z.unknown()).optional(),
    /** The same classes as `/v1` requests: a higher class is taken first, then the oldest. */
    priority: Priority.default("normal"),
    webhook_url: WebhookUrl.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.model === undefined) === (body.pipeline === undefined)) {
      ctx.addIssue({ code: "custom", path: ["model"], message: "name exactly one of 'model' or 'pipeline'" });
      return;
    }
    if ((body.prompt === undefined) === (body.messages === undefined)) {
      ctx.addIssue({ code: "custom", path: ["prompt"], message: "give exactly one of 'prompt' or 'messages'" });
      return;
    }
    if (body.pipeline !== undefined && body.messages !== undefined) {
      ctx.addIssue({ code: "custom", path: ["messages"], message: "a pipeline task takes its input as 'prompt'" });
      return;
    }
    const params = body.pipeline !== undefined ? StageParamsByName.safeParse(body.params ?? {}) : GenerationParams.safeParse(body.params ?? {});
    for (const issue of params.success ? [] : params.error.issues) {
      ctx.addIssue({ code: "custom", path: ["params", ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))], message: issue.message });
    }
  });
export type TaskCreateBody = z.output<typeof TaskCreateBody>;

/** One POST of a task's outcome to its webhook. */
export const WebhookDelivery = z.object({
  attempt: z.number().int().positive(),
  at: z.string(),
  /** The HTTP status the webhook answered; null when it could not be reached. */
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  ms: z.number().int().nonnegative(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

/** `pending`: to be (re)tried; `delivered`: a 2xx answered; `failed`: every attempt failed. */
export const WebhookState = z.enum(["pending", "delivered", "failed"]);
export type WebhookState = z.infer<typeof WebhookState>;

export const TaskTimings = z.object({
  /** From submission to a runner taking it. */
  queuedMs: z.number().int().nonnegative().nullable(),
  /** From a runner taking it to its end. */
  runMs: z.number().int().nonnegative().nullable(),
  totalMs: z.number().int().nonnegative().nullable(),
  /** Model tasks, as the worker measured them: waiting for a slot, reading the prompt, generating. */
  workerQueuedMs: z.number().nonnegative().nullable(),
  promptMs: z.number().nonnegative().nullable(),
  generateMs: z.number().nonnegative().nullable(),
});
export type TaskTimings = z.infer<typeof TaskTimings>;

export const TaskView = z.object({
  id: z.string(),
  object: z.literal("task"),
  kind: TaskKind,
  model: z.string().nullable(),
  pipeline: z.string().nullable(),
  status: TaskStatus,
  priority: Priority,
  /** The generated text (model tasks) or the run's output (pipeline tasks), once succeeded. */
  result: z.string().nullable(),
  error: z.string().nullable(),
  /** Pipeline tasks: the run executing it (`GET /v1/pipelines/runs/{id}`). */
  runId: z.string().nullable(),
  /** Times a runner took it (more than 1 when its orchestrator stopped and another took it over). */
  attempts: z.number().int().nonnegative(),
  cancelRequested: z.boolean(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** When the finished task is removed. */
  expiresAt: z.string().nullable(),
  webhook: z
    .object({ url: z.string(), state: WebhookState.nullable(), deliveries: z.array(WebhookDelivery) })
    .nullable(),
});
export type TaskView = z.infer<typeof TaskView>;

/** `GET /api/v1/tasks/{id}/report`: what the task cost and who ran it. */
export const TaskReport = z.object({
  id: z.string(),
  object: z.literal("task.report"),
  status: TaskStatus,
  kind: TaskKind,
  attempts: z.number().int().nonnegative(),
  timings: TaskTimings,
  usage: z.object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() }),
  /** The workers that generated it (several for a pipeline). */
  workerIds: z.array(z.string()),
  finishReason: z.string().nullable(),
  runId: z.string().nullable(),
  webhook: TaskView.shape.webhook,
});
export type TaskReport = z.infer<typeof TaskReport>;

/** Request/reply with the orchestrators: `orchestrator.tasks.<op>`. */
export const TaskOp = z.enum(["create", "get", "report", "cancel", "list"]);
export type TaskOp = z.infer<typeof TaskOp>;

export const CreateTaskRequest = z.object({
  v: z.literal(1),
  owner: Owner,
  kind: TaskKind,
  model: z.string().nullable(),
  pipeline: z.string().nullable(),
  input: TaskInput,
  params: z.union([GenerationParams, StageParamsByName]),
  priority: Priority,
  webhookUrl: z.string().nullable(),
  allowedModels: z.array(z.string()).nullable().default(null),
});
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;

export const TaskIdRequest = z.object({ v: z.literal(1), owner: Owner, taskId: z.string().min(1) });
export type TaskIdRequest = z.infer<typeof TaskIdRequest>;

export const ListTasksRequest = z.object({
  v: z.literal(1),
  owner: Owner,
  status: TaskStatus.optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListTasksRequest = z.infer<typeof ListTasksRequest>;

const failed = z.object({ v: z.literal(1), ok: z.literal(false), error: OrchestratorError });
const answered = <T extends z.ZodRawShape>(shape: T) => z.discriminatedUnion("ok", [z.object({ v: z.literal(1), ok: z.literal(true), ...shape }), failed]);

export const TaskReply = answered({ task: TaskView });
export type TaskReply = z.infer<typeof TaskReply>;
export const TaskReportReply = answered({ report: TaskReport });
export type TaskReportReply = z.infer<typeof TaskReportReply>;
export const ListTasksReply = answered({ tasks: z.array(TaskView) });
export type ListTasksReply = z.infer<typeof ListTasksReply>;

/** A task's progress, on `events.task.<id>` (stream EVENTS). */
export const TaskEvent = z.object({
  v: z.literal(1),
  taskId: z.string(),
  /** The key's id the task belongs to (null without keys): a monitor shows a key its own tasks only. */
  owner: Owner.default(null),
  at: z.number().int(),
  type: z.enum(["queued", "started", "done", "failed", "cancelled"]),
  status: TaskStatus,
  error: z.string().nullable().default(null),
});
export type TaskEvent = z.infer<typeof TaskEvent>;

/** Rung after a task is queued, so idle runners look at once; and told which task to stop on cancel. */
export const TaskSignal = z.object({ v: z.literal(1), taskId: z.string() });
export type TaskSignal = z.infer<typeof TaskSignal>;

/** The body POSTed to a task's webhook (signed; see the README for the scheme). */
export const TaskWebhookBody = z.object({
  id: z.string(),
  object: z.literal("task"),
  status: TaskStatus,
  kind: TaskKind,
  model: z.string().nullable(),
  pipeline: z.string().nullable(),
  result: z.string().nullable().optional(),
  error: z.string().nullable().optional(),
  runId: z.string().nullable(),
  usage: TaskReport.shape.usage,
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type TaskWebhookBody = z.infer<typeof TaskWebhookBody>;
