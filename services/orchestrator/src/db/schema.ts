import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type {
  ConversationRole,
  GenerationParams,
  PipelineRunStatus,
  StageAnswer,
  StageParamsByName,
  StageRunStatus,
  TaskInput,
  TaskKind,
  TaskStatus,
  TaskTimings,
  WebhookState,
} from "@lantern/shared/contracts";
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
    /** The API key's id whose limits and budget pay for the run's model calls (null without keys). */
    owner: text("owner"),
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

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Async tasks, and the queue they wait in: runners claim the highest priority, oldest queued row
 * (or a running one whose lease ran out: its orchestrator died) with SKIP LOCKED, so replicas
 * sharing a Postgres database share the work.
 */
export const tasks = pgTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    owner: text("owner"),
    kind: text("kind").$type<TaskKind>().notNull(),
    model: text("model"),
    pipeline: text("pipeline"),
    input: jsonb("input").$type<TaskInput>().notNull(),
    params: jsonb("params").$type<GenerationParams | StageParamsByName>().notNull(),
    /** 0 low, 1 normal, 2 high. */
    priority: integer("priority").notNull(),
    status: text("status").$type<TaskStatus>().notNull(),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    result: text("result"),
    error: text("error"),
    runId: text("run_id"),
    workerIds: jsonb("worker_ids").$type<string[]>().notNull().default([]),
    finishReason: text("finish_reason"),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    timings: jsonb("timings").$type<Pick<TaskTimings, "workerQueuedMs" | "promptMs" | "generateMs">>(),
    attempts: integer("attempts").notNull().default(0),
    leaseOwner: text("lease_owner"),
    leaseUntil: at("lease_until"),
    webhookUrl: text("webhook_url"),
    webhookState: text("webhook_state").$type<WebhookState>(),
    webhookAttempts: integer("webhook_attempts").notNull().default(0),
    /** When the next delivery is due; moved ahead while one replica delivers, so no other does. */
    webhookNextAt: at("webhook_next_at"),
    createdAt: at("created_at").notNull().default(sql`now()`),
    startedAt: at("started_at"),
    finishedAt: at("finished_at"),
  },
  (t) => [
    index("tasks_queue_idx").on(t.status, t.priority, t.createdAt),
    index("tasks_finished_idx").on(t.finishedAt),
    index("tasks_webhook_due_idx").on(t.webhookState, t.webhookNextAt),
    index("tasks_owner_created_idx").on(t.owner, t.createdAt),
  ],
);

/** Every POST to a task's webhook, answered or not. */
export const taskWebhookDeliveries = pgTable(
  "task_webhook_deliveries",
  {
    id: serial("id").primaryKey(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    at: at("at").notNull().default(sql`now()`),
    statusCode: integer("status_code"),
    error: text("error"),
    ms: integer("ms").notNull(),
  },
  (t) => [index("task_webhook_deliveries_task_idx").on(t.taskId)],
);

export const conversations = pgTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    owner: text("owner"),
    title: text("title"),
    model: text("model"),
    systemPrompt: text("system_prompt"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    /** Sequence numbers handed out so far: appends take theirs by bumping it under the row's lock. */
    lastSeq: integer("last_seq").notNull().default(0),
    createdAt: at("created_at").notNull().default(sql`now()`),
    updatedAt: at("updated_at").notNull().default(sql`now()`),
  },
  (t) => [index("conversations_owner_updated_idx").on(t.owner, t.updatedAt)],
);

export const conversationMessages = pgTable(
  "conversation_messages",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    role: text("role").$type<ConversationRole>().notNull(),
    content: text("content").notNull(),
    tokens: integer("tokens"),
    createdAt: at("created_at").notNull().default(sql`now()`),
  },
  (t) => [uniqueIndex("conversation_messages_seq_idx").on(t.conversationId, t.seq)],
);

/** Responses of `POST /v1/responses` (see StoredResponse), kept until `expires_at`. */
export const storedResponses = pgTable(
  "stored_responses",
  {
    id: text("id").primaryKey(),
    owner: text("owner"),
    response: jsonb("response").$type<Record<string, unknown>>().notNull(),
    inputItems: jsonb("input_items").$type<Array<Record<string, unknown>>>().notNull(),
    context: jsonb("context").$type<Array<Record<string, unknown>>>().notNull(),
    createdAt: at("created_at").notNull().default(sql`now()`),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [index("stored_responses_expires_idx").on(t.expiresAt)],
);
