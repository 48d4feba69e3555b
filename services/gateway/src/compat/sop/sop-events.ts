import type { ModelEvent, TaskEvent, UsageEvent, WorkerHeartbeat } from "@lantern/shared/contracts";
import { sopGpuStats } from "./sop-fleet-stats.js";
import { toMb } from "./sop-model-info.js";
import { sopTaskId } from "./sop-task-shapes.js";

/** What the gateway's monitor hub delivers (`ws/monitor-hub.ts`): a kind, when, and the event's body. */
export interface HubEvent {
  kind: string;
  at: number;
  data: unknown;
}

/** Follows the hub; the SOP surface sits above nothing but this. */
export interface HubFollow {
  follow(follower: { kinds: readonly string[]; viewer: string | null; deliver(event: HubEvent): void }): Promise<() => void>;
}

/** The hub kinds the executor's events come from. */
export const SOP_HUB_KINDS = ["task.*", "model.loaded", "model.unloaded", "usage", "worker.stats"] as const;

export interface SopEvent {
  type: string;
  timestamp: number;
  data: Record<string, unknown>;
  /** The task it is about, for `filter_task` (not sent). */
  taskId?: string;
}

/** A task's model call names its job `<task id>-a<attempt>`: its usage is that task's progress. */
const TASK_JOB = /^(task_[A-Za-z0-9_-]+)-a\d+$/;

const TASK_TYPES: Record<TaskEvent["type"], string> = { queued: "task.queued", started: "task.started", done: "task.completed", failed: "task.failed", cancelled: "task.failed" };

/** One hub event in the executor's words (`{type, timestamp, data}`), or null when it has none. */
export function toSopEvent(event: HubEvent): SopEvent | null {
  const timestamp = event.at / 1000;
  if (event.kind.startsWith("task.")) {
    const task = event.data as TaskEvent;
    const taskId = sopTaskId(task.taskId);
    const error = task.type === "cancelled" ? (task.error ?? "cancelled") : task.error;
    return { type: TASK_TYPES[task.type], timestamp, data: { task_id: taskId, status: task.status, ...(error ? { error } : {}) }, taskId };
  }
  if (event.kind === "usage") {
    const usage = event.data as UsageEvent;
    const match = TASK_JOB.exec(usage.requestId);
    if (!match) return null;
    const taskId = sopTaskId(match[1]!);
    return { type: "task.progress", timestamp, data: { task_id: taskId, model: usage.model, tokens_generated: usage.completionTokens }, taskId };
  }
  if (event.kind === "model.loaded" || event.kind === "model.unloaded") {
    const model = event.data as ModelEvent;
    if (model.type === "model.loaded") {
      return { type: "model.loaded", timestamp, data: { model_name: model.model, vram_used_mb: toMb(model.fit.needed.vramBytes), ram_used_mb: toMb(model.fit.needed.ramBytes), worker_id: model.workerId } };
    }
    if (model.type === "model.unloaded") return { type: "model.unloaded", timestamp, data: { model_name: model.model, vram_freed_mb: null, worker_id: model.workerId, reason: model.reason } };
    return null;
  }
  if (event.kind === "worker.stats") return { type: "gpu_stats", timestamp, data: sopGpuStats((event.data as { workers: WorkerHeartbeat[] }).workers) };
  return null;
}

/** The executor's subscription patterns: `*`, an exact name, or `<family>.*`. */
export function sopWants(patterns: ReadonlySet<string>, type: string): boolean {
  return patterns.has("*") || patterns.has(type) || patterns.has(`${type.split(".")[0]}.*`);
}
