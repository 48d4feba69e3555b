import { setTimeout as sleep } from "node:timers/promises";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  encodeMessage,
  isFinalTaskStatus,
  newRequestId,
  TaskSignal,
  type CreateTaskRequest,
  type ListTasksRequest,
  type NatsNames,
  type StageParamsByName,
  type TaskReport,
  type TaskView,
} from "@lantern/shared/contracts";
import { OrchestratorFailure } from "../runs/orchestrator-failure.js";
import type { PipelineRuns } from "../runs/pipeline-runs.js";
import type { TaskEvents } from "./task-events.js";
import type { TaskExecution } from "./task-execution.js";
import { taskView, type StoredTask, type TaskStore } from "./task-store.js";

interface TasksDeps {
  nc: NatsConnection;
  names: NatsNames;
  store: TaskStore;
  runs: PipelineRuns;
  events: TaskEvents;
  execution: TaskExecution;
  retentionMs: number;
  /** A task ended outside a runner (cancelled while queued): its webhook is due. */
  onEnded: () => void;
}

/** How long a cancel waits for a running task's runner to stop it before answering. */
const CANCEL_WAIT_MS = 5_000;

/** What the API can ask of tasks: submit, read, report, cancel, list. */
export class Tasks {
  constructor(private readonly deps: TasksDeps) {}

  async create(req: CreateTaskRequest): Promise<TaskView> {
    const { store, events, nc, names } = this.deps;
    const id = newRequestId("task");
    let runId: string | null = null;
    if (req.kind === "model") {
      if (req.allowedModels && !req.allowedModels.includes(req.model!)) {
        throw new OrchestratorFailure(403, "model_not_allowed", `This API key may not use the model '${req.model}'.`, "model");
      }
    } else {
      // The run is made (and its pipeline and models checked) now, so a bad pipeline is refused at once.
      const run = await this.deps.runs
        .prepare({
          v: 1,
          pipeline: req.pipeline!,
          input: "prompt" in req.input ? req.input.prompt : "",
          params: req.params as StageParamsByName,
          allowedModels: req.allowedModels,
          owner: req.owner,
        })
        .catch((err: unknown) => {
          // The task's field is `pipeline`, where a run request's is the path's name.
          if (err instanceof OrchestratorFailure && err.param === "name") throw new OrchestratorFailure(err.status, err.code, err.message, "pipeline");
          throw err;
        });
      runId = run.id;
    }
    await store.create({
      id,
      owner: req.owner,
      kind: req.kind,
      model: req.model,
      pipeline: req.pipeline,
      input: req.input,
      params: req.params,
      priority: req.priority,
      runId,
      webhookUrl: req.webhookUrl,
    });
    await events.publish({ id, owner: req.owner, status: "queued", error: null });
    nc.publish(names.subjects.taskDoorbell, encodeMessage(TaskSignal, { v: 1, taskId: id }));
    return this.get(id, req.owner);
  }

  async get(id: string, owner: string | null): Promise<TaskView> {
    return taskView(await this.stored(id, owner), this.deps.retentionMs);
  }

  async report(id: string, owner: string | null): Promise<TaskReport> {
    const stored = await this.stored(id, owner);
    const { task } = stored;
    const view = taskView(stored, this.deps.retentionMs);
    const between = (a: Date | null, b: Date | null) => (a && b ? Math.max(0, b.getTime() - a.getTime()) : null);
    return {
      id: task.id,
      object: "task.report",
      status: task.status,
      kind: task.kind,
      attempts: task.attempts,
      timings: {
        queuedMs: between(task.createdAt, task.startedAt),
        runMs: between(task.startedAt, task.finishedAt),
        totalMs: between(task.createdAt, task.finishedAt),
        workerQueuedMs: task.timings?.workerQueuedMs ?? null,
        promptMs: task.timings?.promptMs ?? null,
        generateMs: task.timings?.generateMs ?? null,
      },
      usage: { promptTokens: task.promptTokens, completionTokens: task.completionTokens },
      workerIds: task.workerIds,
      finishReason: task.finishReason,
      runId: task.runId,
      webhook: view.webhook,
    };
  }

  list(req: ListTasksRequest): Promise<TaskView[]> {
    return this.deps.store.list(req).then((rows) => rows.map((r) => taskView(r, this.deps.retentionMs)));
  }

  /** A queued task never runs; a running one is stopped (its generation aborted) and ends cancelled. */
  async cancel(id: string, owner: string | null): Promise<TaskView> {
    const { store, events, nc, names, execution } = this.deps;
    const result = await store.cancel(id, owner);
    if (!result) throw taskNotFound(id);
    if (result.outcome === "cancelled") {
      await execution.cancelled(result.task);
      await events.publish(result.task);
      this.deps.onEnded();
    } else if (result.outcome === "requested") {
      nc.publish(names.subjects.taskStop, encodeMessage(TaskSignal, { v: 1, taskId: id }));
      // Answer with the end when it comes soon; otherwise the runner's lease renewal sees the request.
      for (const started = Date.now(); Date.now() - started < CANCEL_WAIT_MS; await sleep(50)) {
        const { task } = await this.stored(id, owner);
        if (isFinalTaskStatus(task.status)) break;
      }
    } else if (result.task.status !== "cancelled") {
      throw new OrchestratorFailure(409, "task_already_finished", `Task '${id}' already ${result.task.status}: there is nothing to cancel.`, "id");
    }
    return this.get(id, owner);
  }

  private async stored(id: string, owner: string | null): Promise<StoredTask> {
    const stored = await this.deps.store.get(id, owner);
    if (!stored) throw taskNotFound(id);
    return stored;
  }
}

const taskNotFound = (id: string) => new OrchestratorFailure(404, "task_not_found", `No task has the id '${id}'.`, "id");
