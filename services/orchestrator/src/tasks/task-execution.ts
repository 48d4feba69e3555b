import { setTimeout as sleep } from "node:timers/promises";
import { outputFormatOf, type GenerationParams, type InferInput, type PipelineRunView } from "@lantern/shared/contracts";
import type { InferenceClient } from "@lantern/shared/inference";
import type { StageCallError } from "../execution/model-caller.js";
import { samplingOf } from "../execution/sampling.js";
import type { RunExecutor } from "../execution/run-executor.js";
import type { RunEvents } from "../runs/run-events.js";
import type { RunStore } from "../runs/run-store.js";
import { priorityOf, type TaskEnd, type TaskRow } from "./task-store.js";
import { accountedCall } from "../execution/accounted-call.js";
import type { CallAccount, ModelUsage } from "../execution/model-usage.js";

/** A task's work was stopped by its signal (cancelled, or its orchestrator is stopping). */
export class TaskInterrupted extends Error {
  override name = "TaskInterrupted";
}

interface TaskExecutionDeps {
  inference: InferenceClient<StageCallError>;
  runs: RunStore;
  executor: RunExecutor;
  /** Wait before a failed pipeline try is tried again. */
  retryDelayMs: number;
  usage: ModelUsage;
  runEvents: RunEvents;
}

type Success = TaskEnd & { status: "succeeded" };

/** Runs one claimed task to its result; throws on failure, TaskInterrupted when its signal aborts. */
export class TaskExecution {
  constructor(private readonly deps: TaskExecutionDeps) {}

  run(task: TaskRow, signal: AbortSignal): Promise<Success> {
    return task.kind === "model" ? this.model(task, signal) : this.pipeline(task, signal);
  }

  private async model(task: TaskRow, signal: AbortSignal): Promise<Success> {
    const input: InferInput = "prompt" in task.input ? { kind: "completion", prompt: task.input.prompt } : { kind: "chat", messages: task.input.messages };
    const request = {
      // One job per try: a task taken over after its orchestrator died is a new job.
      requestId: `${task.id}-a${task.attempts}`,
      model: task.model!,
      job: { input, sampling: samplingOf(task.params as GenerationParams), format: outputFormatOf(task.params as GenerationParams) },
      priority: priorityOf(task.priority),
      signal,
      account: accountOf(task),
    };
    const { text, done, workerId } = await accountedCall(this.deps.inference, this.deps.usage, request, () => new TaskInterrupted("stopped"));
    return {
      status: "succeeded",
      result: text,
      workerIds: [workerId],
      finishReason: done.finishReason,
      promptTokens: done.usage.promptTokens,
      completionTokens: done.usage.completionTokens,
      timings: { workerQueuedMs: done.timings.queuedMs, promptMs: done.timings.promptMs, generateMs: done.timings.generateMs },
    };
  }

  /** A cancelled pipeline task's run ends cancelled, and says so to whoever follows its events. */
  async cancelled(task: Pick<TaskRow, "runId" | "owner">): Promise<void> {
    const reason = "cancelled with its task";
    if (task.runId && (await this.deps.runs.runCancelled(task.runId, reason))) await this.deps.runEvents.forRun(task.runId, task.owner).publish({ type: "run.cancelled", reason });
  }

  /** Executes the task's run from its checkpoints (a run taken over continues where it was). */
  private async pipeline(task: TaskRow, signal: AbortSignal): Promise<Success> {
    const runId = task.runId;
    if (!runId) throw new Error("the task has no pipeline run");
    for (;;) {
      const outcome = await this.deps.executor.execute(runId, signal, accountOf(task));
      if (outcome === "handed_back" || signal.aborted) throw new TaskInterrupted("stopped");
      if (outcome === "finished") break;
      await sleep(this.deps.retryDelayMs, undefined, { signal }).catch(() => {});
    }
    const view = await this.deps.runs.view(runId);
    if (!view) throw new Error(`pipeline run '${runId}' is gone`);
    if (view.status !== "succeeded") throw new Error(view.error ?? `pipeline run '${runId}' ${view.status}`);
    return {
      status: "succeeded",
      result: view.output,
      workerIds: workersOf(view),
      finishReason: null,
      promptTokens: view.usage.promptTokens,
      completionTokens: view.usage.completionTokens,
    };
  }
}

function workersOf(view: PipelineRunView): string[] {
  return [...new Set(view.stages.flatMap((s) => (s.reusedFromRunId ? [] : s.answers.map((a) => a.workerId))))];
}

/** A task's model calls are its key's, made through the tasks route. */
const accountOf = (task: Pick<TaskRow, "owner">): CallAccount => ({ keyId: task.owner, path: "/api/v1/tasks" });
