import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import type { GenerationParams, PipelineRunStatus, StageAnswer, StageRunStatus } from "@lantern/shared/contracts";
import type { ResolvedPipeline } from "../definitions/resolved-pipeline.js";

/**
 * One pipeline run. The resolved definition is kept with it, so a run continued by another
 * orchestrator, or rerun after the files changed, uses what was validated when it was created.
 */
export const pipelineRuns = pgTable(
  "pipeline_runs",
  {
    id: text("id").primaryKey(),
    pipeline: text("pipeline").notNull(),
    status: text("status").$type<PipelineRunStatus>().notNull(),
    input: text("input").notNull(),
    definition: jsonb("definition").$type<ResolvedPipeline>().notNull(),
    output: text("output"),
    error: text("error"),
    parentRunId: text("parent_run_id"),
    rerunFromStage: text("rerun_from_stage"),
    /** Times the run was taken from the queue (each continues from the checkpoints). */
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().default(sql`now()`),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("pipeline_runs_created_idx").on(t.createdAt), index("pipeline_runs_parent_idx").on(t.parentRunId)],
);

/** One stage of one run: its checkpoint once `succeeded`. */
export const stageRuns = pgTable(
  "stage_runs",
  {
    runId: text("run_id")
      .notNull()
      .references(() => pipelineRuns.id, { onDelete: "cascade" }),
    stageIndex: integer("stage_index").notNull(),
    stageName: text("stage_name").notNull(),
    status: text("status").$type<StageRunStatus>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    prompt: text("prompt"),
    answers: jsonb("answers").$type<StageAnswer[]>().notNull().default([]),
    output: text("output"),
    votes: jsonb("votes").$type<Record<string, number>>(),
    params: jsonb("params").$type<GenerationParams>().notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    reusedFromRunId: text("reused_from_run_id"),
    error: text("error"),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stageIndex] })],
);
