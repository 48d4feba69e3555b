import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { GenerationParams, PipelineRunSummary, PipelineRunView, StageAnswer, StageRunView } from "@lantern/shared/contracts";
import type { OrchestratorDb } from "../db/database.js";
import { pipelineRuns, stageRuns } from "../db/schema.js";
import type { ResolvedPipeline } from "../definitions/resolved-pipeline.js";

type RunRow = typeof pipelineRuns.$inferSelect;
type StageRow = typeof stageRuns.$inferSelect;

interface StoredRun {
  run: RunRow;
  stages: StageRow[];
}

interface NewRun {
  id: string;
  input: string;
  definition: ResolvedPipeline;
  parentRunId?: string;
  rerunFromStage?: string;
  /** The API key's id that pays for its model calls. */
  owner: string | null;
  /** Stage results taken over from earlier runs, by stage index: they count as done. */
  reused?: Map<number, StageRow>;
}

export interface StageResult {
  answers: StageAnswer[];
  output: string;
  votes: Record<string, number> | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** An owner filter: runs of that key, or every run when the gateway runs without keys (and for the orchestrator itself). */
const ownedBy = (owner: string | null) => (owner === null ? undefined : eq(pipelineRuns.owner, owner));

/** Runs and their stages in the orchestrator's tables: the checkpoints a run continues from. */
export class RunStore {
  constructor(private readonly db: OrchestratorDb) {}

  async create(run: NewRun): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(pipelineRuns).values({
        id: run.id,
        pipeline: run.definition.name,
        status: "queued",
        input: run.input,
        definition: run.definition,
        parentRunId: run.parentRunId ?? null,
        rerunFromStage: run.rerunFromStage ?? null,
        owner: run.owner,
      });
      await tx.insert(stageRuns).values(
        run.definition.stages.map((stage) => {
          const reused = run.reused?.get(stage.index);
          if (reused) {
            return {
              ...reused,
              runId: run.id,
              attempts: 0,
              // Where the result was first computed, even through several generations of reruns.
              reusedFromRunId: reused.reusedFromRunId ?? reused.runId,
            };
          }
          return { runId: run.id, stageIndex: stage.index, stageName: stage.name, status: "pending" as const, params: stage.params };
        }),
      );
    });
  }

  async get(id: string, owner: string | null = null): Promise<StoredRun | undefined> {
    const [run] = await this.db.select().from(pipelineRuns).where(and(eq(pipelineRuns.id, id), ownedBy(owner)));
    if (!run) return undefined;
    const stages = await this.db.select().from(stageRuns).where(eq(stageRuns.runId, id)).orderBy(stageRuns.stageIndex);
    return { run, stages };
  }

  async view(id: string, owner: string | null = null): Promise<PipelineRunView | undefined> {
    const stored = await this.get(id, owner);
    return stored ? toView(stored) : undefined;
  }

  /** Newest first. */
  async list(opts: { pipeline?: string | undefined; owner: string | null; limit: number }): Promise<PipelineRunSummary[]> {
    const where = and(opts.pipeline ? eq(pipelineRuns.pipeline, opts.pipeline) : undefined, ownedBy(opts.owner));
    const runs = await this.db.select().from(pipelineRuns).where(where).orderBy(desc(pipelineRuns.createdAt), desc(pipelineRuns.id)).limit(opts.limit);
    if (runs.length === 0) return [];
    const totals = await this.db
      .select({
        runId: stageRuns.runId,
        promptTokens: sql<number>`coalesce(sum(${stageRuns.promptTokens}), 0)::int`,
        completionTokens: sql<number>`coalesce(sum(${stageRuns.completionTokens}), 0)::int`,
      })
      .from(stageRuns)
      // What the run itself spent: stages taken over from a parent cost it nothing.
      .where(and(inArray(stageRuns.runId, runs.map((r) => r.id)), isNull(stageRuns.reusedFromRunId)))
      .groupBy(stageRuns.runId);
    const usage = new Map(totals.map((t) => [t.runId, { promptTokens: Number(t.promptTokens), completionTokens: Number(t.completionTokens) }]));
    return runs.map((run) => summaryOf(run, usage.get(run.id) ?? { promptTokens: 0, completionTokens: 0 }));
  }

  /** The run was taken from the queue: returns its attempt number. */
  async runStarted(id: string): Promise<number> {
    const [row] = await this.db
      .update(pipelineRuns)
      .set({ status: "running", attempts: sql`${pipelineRuns.attempts} + 1`, startedAt: sql`coalesce(${pipelineRuns.startedAt}, now())`, error: null })
      .where(eq(pipelineRuns.id, id))
      .returning({ attempts: pipelineRuns.attempts });
    return row?.attempts ?? 1;
  }

  /** Returns the stage's attempt number. */
  async stageStarted(runId: string, index: number, prompt: string, params: GenerationParams): Promise<number> {
    const [row] = await this.db
      .update(stageRuns)
      .set({ status: "running", attempts: sql`${stageRuns.attempts} + 1`, prompt, params, startedAt: new Date(), finishedAt: null, error: null })
      .where(and(eq(stageRuns.runId, runId), eq(stageRuns.stageIndex, index)))
      .returning({ attempts: stageRuns.attempts });
    return row?.attempts ?? 1;
  }

  async stageSucceeded(runId: string, index: number, result: StageResult): Promise<void> {
    await this.db
      .update(stageRuns)
      .set({
        status: "succeeded",
        answers: result.answers,
        output: result.output,
        votes: result.votes,
        promptTokens: result.answers.reduce((n, a) => n + a.promptTokens, 0),
        completionTokens: result.answers.reduce((n, a) => n + a.completionTokens, 0),
        finishedAt: new Date(),
        error: null,
      })
      .where(and(eq(stageRuns.runId, runId), eq(stageRuns.stageIndex, index)));
  }

  async stageFailed(runId: string, index: number, error: string): Promise<void> {
    await this.db
      .update(stageRuns)
      .set({ status: "failed", error, finishedAt: new Date() })
      .where(and(eq(stageRuns.runId, runId), eq(stageRuns.stageIndex, index)));
  }

  async runSucceeded(id: string, output: string): Promise<void> {
    await this.db.update(pipelineRuns).set({ status: "succeeded", output, error: null, finishedAt: new Date() }).where(eq(pipelineRuns.id, id));
  }

  async runFailed(id: string, error: string): Promise<void> {
    await this.db.update(pipelineRuns).set({ status: "failed", error, finishedAt: new Date() }).where(eq(pipelineRuns.id, id));
  }

  /** Ends a run whose task was cancelled; false when it had already ended. */
  async runCancelled(id: string, reason: string): Promise<boolean> {
    const rows = await this.db
      .update(pipelineRuns)
      .set({ status: "cancelled", error: reason, finishedAt: new Date() })
      .where(and(eq(pipelineRuns.id, id), inArray(pipelineRuns.status, ["queued", "running"])))
      .returning({ id: pipelineRuns.id });
    return rows.length > 0;
  }

  /** A failed run goes back in the queue; false when it is not failed. */
  async requeue(id: string): Promise<boolean> {
    const rows = await this.db
      .update(pipelineRuns)
      .set({ status: "queued", error: null, finishedAt: null })
      .where(and(eq(pipelineRuns.id, id), eq(pipelineRuns.status, "failed")))
      .returning({ id: pipelineRuns.id });
    return rows.length > 0;
  }
}

function summaryOf(run: RunRow, usage: { promptTokens: number; completionTokens: number }): PipelineRunSummary {
  return {
    id: run.id,
    pipeline: run.pipeline,
    status: run.status,
    input: run.input,
    output: run.output,
    error: run.error,
    parentRunId: run.parentRunId,
    rerunFromStage: run.rerunFromStage,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    usage,
  };
}

function toView({ run, stages }: StoredRun): PipelineRunView {
  const views: StageRunView[] = stages.map((s) => {
    const def = run.definition.stages[s.stageIndex];
    return {
      index: s.stageIndex,
      name: s.stageName,
      kind: def?.kind ?? "single",
      aggregation: def?.aggregation?.method ?? null,
      status: s.status,
      attempts: s.attempts,
      prompt: s.prompt,
      answers: s.answers,
      output: s.output,
      votes: s.votes ?? null,
      params: s.params,
      reusedFromRunId: s.reusedFromRunId,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      error: s.error,
    };
  });
  const spent = stages.filter((s) => s.reusedFromRunId === null);
  const usage = {
    promptTokens: spent.reduce((n, s) => n + s.promptTokens, 0),
    completionTokens: spent.reduce((n, s) => n + s.completionTokens, 0),
  };
  return { ...summaryOf(run, usage), stages: views };
}
