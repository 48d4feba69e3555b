import { isFinalRunStatus } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { RunEvents } from "../runs/run-events.js";
import type { RunStore } from "../runs/run-store.js";
import type { CallAccount } from "./model-usage.js";
import { stageInput, stagePrompt, type StageRunner } from "./stage-runner.js";

/** What the queue does with the run's command after an execution. */
type ExecutionOutcome = "finished" | "retry" | "handed_back";

interface RunExecutorOptions {
  store: RunStore;
  events: RunEvents;
  stages: StageRunner;
  /** Tries of one run before it is marked failed. */
  maxAttempts: number;
  logger: Logger;
}

/**
 * Executes a stored run from its checkpoints: each stage whose row already succeeded (in an
 * earlier try, or taken over from the parent run) is skipped; the others run in dependency
 * order, each checkpointed as soon as it succeeds.
 */
export class RunExecutor {
  constructor(private readonly opts: RunExecutorOptions) {}

  /** `account` names who the model calls are made for: a task's; else the run's owner over `/v1/pipelines/runs`. */
  async execute(runId: string, signal: AbortSignal, account?: CallAccount): Promise<ExecutionOutcome> {
    const { store, events, stages, logger } = this.opts;
    const stored = await store.get(runId);
    if (!stored) {
      logger.warn({ runId }, "a queued run has no row; dropping its command");
      return "finished";
    }
    const { run } = stored;
    const payer = account ?? { keyId: run.owner, path: "/v1/pipelines/runs" };
    const runEvents = events.forRun(runId, run.owner);
    // A duplicate command for a run already settled.
    if (isFinalRunStatus(run.status)) return "finished";

    const attempt = await store.runStarted(runId);
    await runEvents.publish({ type: "run.started", attempt });
    const pipeline = run.definition;
    const outputs = new Map<string, string>();
    const rows = new Map(stored.stages.map((s) => [s.stageIndex, s]));
    const last = pipeline.stages[pipeline.stages.length - 1]!;

    for (const index of pipeline.order) {
      const stage = pipeline.stages[index]!;
      const row = rows.get(index);
      if (row?.status === "succeeded" && row.output !== null) {
        outputs.set(stage.name, row.output);
        await runEvents.publish({ type: "stage.completed", stage: stage.name, index, output: row.output, reused: true });
        continue;
      }
      const input = stageInput(stage, run.input, outputs);
      const prompt = stagePrompt(stage, input);
      const stageAttempt = await store.stageStarted(runId, index, prompt, stage.params);
      const models = [...stage.models, ...(stage.aggregation?.method === "synthesis" ? [stage.aggregation.model] : [])];
      await runEvents.publish({ type: "stage.started", stage: stage.name, index, attempt: stageAttempt, models });
      try {
        const result = await stages.run({
          pipeline,
          stage,
          input,
          prompt,
          callPrefix: `${runId}-s${index}a${stageAttempt}`,
          signal,
          account: payer,
          ...(stage === last ? { onText: (text: string) => runEvents.delta(stage.name, index, text) } : {}),
          onAnswerText: (model, role, text) => runEvents.answerDelta(stage.name, index, model, role, text),
        });
        await store.stageSucceeded(runId, index, result);
        outputs.set(stage.name, result.output);
        await runEvents.publish({ type: "stage.completed", stage: stage.name, index, output: result.output, reused: false });
      } catch (err) {
        if (signal.aborted) {
          // This orchestrator is stopping: another one continues the run from its checkpoints.
          await store.stageFailed(runId, index, "interrupted: the orchestrator running it stopped; the run continues elsewhere");
          return "handed_back";
        }
        const message = `stage '${stage.name}' failed: ${(err as Error).message}`;
        const willRetry = attempt < this.opts.maxAttempts;
        logger.warn({ runId, stage: stage.name, attempt, willRetry, err: (err as Error).message }, "pipeline stage failed");
        await store.stageFailed(runId, index, (err as Error).message);
        await runEvents.publish({ type: "stage.failed", stage: stage.name, index, error: (err as Error).message, willRetry });
        if (willRetry) return "retry";
        await store.runFailed(runId, message);
        await runEvents.publish({ type: "run.failed", error: message });
        return "finished";
      }
    }
    const output = outputs.get(last.name) ?? "";
    await store.runSucceeded(runId, output);
    await runEvents.publish({ type: "run.completed", output });
    logger.info({ runId, pipeline: pipeline.name, attempt }, "pipeline run succeeded");
    return "finished";
  }
}
