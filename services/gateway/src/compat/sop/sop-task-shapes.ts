import {
  GenerationParams,
  SOP_ONLY_TASK_FIELDS,
  type CreateTaskRequest,
  type SopTaskBody,
  type TaskReport,
  type TaskStatus,
  type TaskView,
} from "@lantern/shared/contracts";
import { priorityClass } from "./sop-priority.js";

/**
 * Tasks as the SOP executor shows them. A SOP client names a task `sop-<Lantern id>`: the same
 * task, and the prefix tells the shared `/api/v1/tasks/{id}` path which shape to answer in.
 */
export const SOP_ID_PREFIX = "sop-";
export const sopTaskId = (id: string) => `${SOP_ID_PREFIX}${id}`;
export const lanternTaskId = (sopId: string) => sopId.slice(SOP_ID_PREFIX.length);

/** A body is the executor's when it has a numeric priority or any field only the executor's body has. */
export function isSopTaskBody(body: Record<string, unknown>): boolean {
  return typeof body.priority === "number" || SOP_ONLY_TASK_FIELDS.some((field) => field in body);
}

/** The executor's top-level sampling fields as Lantern's generation parameters (checked by the same schema). */
export function generationParamsOf(body: SopTaskBody): GenerationParams {
  const params: Record<string, unknown> = {};
  const copy = ["max_tokens", "temperature", "seed", "presence_penalty", "frequency_penalty", "response_format", "grammar"] as const;
  for (const field of copy) if (body[field] !== undefined && body[field] !== null) params[field] = body[field];
  // The executor's 0 means "off"; Lantern's top_p must be above 0.
  if (body.top_p) params.top_p = body.top_p;
  if (body.stop_sequences && body.stop_sequences.length > 0) params.stop = body.stop_sequences;
  return GenerationParams.parse(params);
}

export function createTaskRequestOf(body: SopTaskBody, owner: string | null, allowedModels: string[] | null): CreateTaskRequest {
  return {
    v: 1,
    owner,
    kind: "model",
    model: body.model,
    pipeline: null,
    input: { prompt: body.prompt },
    params: generationParamsOf(body),
    priority: priorityClass(body.priority),
    webhookUrl: body.webhook_url ?? null,
    allowedModels,
  };
}

/** The executor's statuses: pending, processing, completed, failed (a cancelled task is failed, with why). */
const STATUS: Record<TaskStatus, string> = { queued: "pending", running: "processing", succeeded: "completed", failed: "failed", cancelled: "failed" };
export const sopStatus = (status: TaskStatus) => STATUS[status];

/** `TaskResponse`: the task, with its result (text, finish reason, usage) once completed. */
export function sopTaskView(task: TaskView, report: TaskReport | null, idempotencyKey: string | null = null) {
  const usage = report?.usage;
  const completed = task.status === "succeeded";
  return {
    task_id: sopTaskId(task.id),
    status: sopStatus(task.status),
    model: task.model ?? task.pipeline ?? "",
    created_at: task.createdAt,
    updated_at: task.finishedAt ?? task.startedAt ?? task.createdAt,
    finished_at: task.finishedAt,
    result:
      completed && usage
        ? {
            text: task.result ?? "",
            finish_reason: report?.finishReason ?? "stop",
            usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
            model: task.model ?? "",
          }
        : null,
    error: task.status === "cancelled" ? (task.error ?? "cancelled") : task.error,
    webhook_url: task.webhook?.url ?? null,
    idempotency_key: idempotencyKey,
    trace_id: null,
  };
}

/** `GET /api/v1/tasks/{id}/report`: the executor's report of a run, from Lantern's. */
export function sopReport(task: TaskView, report: TaskReport) {
  const t = report.timings;
  return {
    task_id: sopTaskId(report.id),
    status: sopStatus(report.status),
    model: task.model ?? task.pipeline ?? "",
    priority: task.priority,
    attempts: report.attempts,
    created_at: task.createdAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
    duration_ms: t.totalMs,
    timings: { queued_ms: t.queuedMs, run_ms: t.runMs, total_ms: t.totalMs, worker_queued_ms: t.workerQueuedMs, prompt_ms: t.promptMs, generate_ms: t.generateMs },
    usage: {
      prompt_tokens: report.usage.promptTokens,
      completion_tokens: report.usage.completionTokens,
      total_tokens: report.usage.promptTokens + report.usage.completionTokens,
    },
    finish_reason: report.finishReason,
    workers: report.workerIds,
    error: task.error,
    webhook: report.webhook ? { url: report.webhook.url, state: report.webhook.state, deliveries: report.webhook.deliveries.length } : null,
  };
}
