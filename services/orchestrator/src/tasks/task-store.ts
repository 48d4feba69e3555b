import { and, asc, desc, eq, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Priority, TaskStatus, TaskView, WebhookDelivery, WebhookState } from "@lantern/shared/contracts";
import type { OrchestratorDb } from "../db/database.js";
import { tasks, taskWebhookDeliveries } from "../db/schema.js";

export type TaskRow = typeof tasks.$inferSelect;
export type NewTask = Pick<typeof tasks.$inferInsert, "id" | "owner" | "kind" | "model" | "pipeline" | "input" | "params" | "runId" | "webhookUrl"> & {
  priority: Priority;
};
type DeliveryRow = typeof taskWebhookDeliveries.$inferSelect;

export interface StoredTask {
  task: TaskRow;
  deliveries: DeliveryRow[];
}

/** Priorities as stored: a larger number is taken first. */
const RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2 };
const PRIORITY_OF_RANK: Priority[] = ["low", "normal", "high"];
export const priorityOf = (rank: number): Priority => PRIORITY_OF_RANK[rank] ?? "normal";

/** What a runner records when a task ends. */
export interface TaskEnd {
  status: Extract<TaskStatus, "succeeded" | "failed" | "cancelled">;
  result?: string | null;
  error?: string | null;
  workerIds?: string[];
  finishReason?: string | null;
  promptTokens?: number;
  completionTokens?: number;
  timings?: TaskRow["timings"];
}

/** Times from the database clock, so replicas on hosts with different clocks agree on leases. */
const nowPlus = (ms: number) => sql`now() + ${ms} * interval '1 millisecond'`;

/** An owner filter: tasks of that key, or every task when the gateway runs without keys. */
const ownedBy = (owner: string | null): SQL | undefined => (owner === null ? undefined : eq(tasks.owner, owner));

/** The tasks table as a queue, plus the tasks' webhook deliveries. */
export class TaskStore {
  constructor(private readonly db: OrchestratorDb) {}

  async create(task: NewTask): Promise<void> {
    await this.db.insert(tasks).values({
      ...task,
      priority: RANK[task.priority],
      status: "queued",
    });
  }

  async get(id: string, owner: string | null): Promise<StoredTask | undefined> {
    const [task] = await this.db.select().from(tasks).where(and(eq(tasks.id, id), ownedBy(owner)));
    if (!task) return undefined;
    const deliveries = await this.db.select().from(taskWebhookDeliveries).where(eq(taskWebhookDeliveries.taskId, id)).orderBy(asc(taskWebhookDeliveries.attempt));
    return { task, deliveries };
  }

  /** Newest first. */
  async list(opts: { owner: string | null; status?: TaskStatus | undefined; limit: number }): Promise<StoredTask[]> {
    const rows = await this.db
      .select()
      .from(tasks)
      .where(and(ownedBy(opts.owner), opts.status ? eq(tasks.status, opts.status) : undefined))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(opts.limit);
    if (rows.length === 0) return [];
    const deliveries = await this.db
      .select()
      .from(taskWebhookDeliveries)
      .where(inArray(taskWebhookDeliveries.taskId, rows.map((r) => r.id)))
      .orderBy(asc(taskWebhookDeliveries.attempt));
    return rows.map((task) => ({ task, deliveries: deliveries.filter((d) => d.taskId === task.id) }));
  }

  /**
   * Takes the next task: the highest priority, then the oldest, of those queued or left running
   * by an orchestrator whose lease ran out. SKIP LOCKED lets replicas claim side by side.
   */
  async claim(runnerId: string, leaseMs: number): Promise<TaskRow | undefined> {
    const next = this.db
      .select({ id: tasks.id })
      .from(tasks)
      .where(or(eq(tasks.status, "queued"), and(eq(tasks.status, "running"), lt(tasks.leaseUntil, sql`now()`))))
      .orderBy(desc(tasks.priority), asc(tasks.createdAt), asc(tasks.id))
      .limit(1)
      .for("update", { skipLocked: true });
    const [row] = await this.db
      .update(tasks)
      .set({
        status: "running",
        leaseOwner: runnerId,
        leaseUntil: nowPlus(leaseMs),
        attempts: sql`${tasks.attempts} + 1`,
        startedAt: sql`coalesce(${tasks.startedAt}, now())`,
      })
      .where(inArray(tasks.id, next))
      .returning();
    return row;
  }

  /** Extends the runner's lease; undefined when it lost the task (another took it over). */
  async renew(id: string, runnerId: string, leaseMs: number): Promise<{ cancelRequested: boolean } | undefined> {
    const [row] = await this.db
      .update(tasks)
      .set({ leaseUntil: nowPlus(leaseMs) })
      .where(and(eq(tasks.id, id), eq(tasks.leaseOwner, runnerId), eq(tasks.status, "running")))
      .returning({ cancelRequested: tasks.cancelRequested });
    return row;
  }

  /** Records the end, if this runner still holds the task; a webhook delivery becomes due. */
  async finish(id: string, runnerId: string, end: TaskEnd): Promise<TaskRow | undefined> {
    const [row] = await this.db
      .update(tasks)
      .set({
        status: end.status,
        result: end.result ?? null,
        error: end.error ?? null,
        ...(end.workerIds ? { workerIds: end.workerIds } : {}),
        finishReason: end.finishReason ?? null,
        promptTokens: end.promptTokens ?? 0,
        completionTokens: end.completionTokens ?? 0,
        timings: end.timings ?? null,
        finishedAt: sql`now()`,
        leaseOwner: null,
        leaseUntil: null,
        ...webhookDue,
      })
      .where(and(eq(tasks.id, id), eq(tasks.leaseOwner, runnerId), eq(tasks.status, "running")))
      .returning();
    return row;
  }

  /** A stopping orchestrator gives its task back: another one takes it at once. */
  async release(id: string, runnerId: string): Promise<void> {
    await this.db
      .update(tasks)
      .set({ status: "queued", leaseOwner: null, leaseUntil: null })
      .where(and(eq(tasks.id, id), eq(tasks.leaseOwner, runnerId), eq(tasks.status, "running")));
  }

  async setRunId(id: string, runId: string): Promise<void> {
    await this.db.update(tasks).set({ runId }).where(eq(tasks.id, id));
  }

  /**
   * A queued task is cancelled at once and never runs; a running one is marked for its runner to
   * stop. Undefined when there is no such task.
   */
  async cancel(id: string, owner: string | null): Promise<{ outcome: "cancelled" | "requested" | "already_finished"; task: TaskRow } | undefined> {
    const [cancelled] = await this.db
      .update(tasks)
      .set({ status: "cancelled", cancelRequested: true, error: "cancelled before it ran", finishedAt: sql`now()`, ...webhookDue })
      .where(and(eq(tasks.id, id), ownedBy(owner), eq(tasks.status, "queued")))
      .returning();
    if (cancelled) return { outcome: "cancelled", task: cancelled };
    const [requested] = await this.db
      .update(tasks)
      .set({ cancelRequested: true })
      .where(and(eq(tasks.id, id), ownedBy(owner), eq(tasks.status, "running")))
      .returning();
    if (requested) return { outcome: "requested", task: requested };
    const stored = await this.get(id, owner);
    return stored && { outcome: "already_finished", task: stored.task };
  }

  /** Removes tasks that finished more than `retentionMs` ago; returns how many. */
  async sweep(retentionMs: number): Promise<number> {
    const removed = await this.db
      .delete(tasks)
      .where(lt(tasks.finishedAt, sql`now() - ${retentionMs} * interval '1 millisecond'`))
      .returning({ id: tasks.id });
    return removed.length;
  }

  /** Takes a due webhook delivery, holding it for `holdMs` so no other replica sends it meanwhile. */
  async claimWebhook(holdMs: number): Promise<TaskRow | undefined> {
    const due = this.db
      .select({ id: tasks.id })
      .from(tasks)
      .where(and(eq(tasks.webhookState, "pending"), lte(tasks.webhookNextAt, sql`now()`)))
      .orderBy(asc(tasks.webhookNextAt))
      .limit(1)
      .for("update", { skipLocked: true });
    const [row] = await this.db
      .update(tasks)
      .set({ webhookNextAt: nowPlus(holdMs), webhookAttempts: sql`${tasks.webhookAttempts} + 1` })
      .where(inArray(tasks.id, due))
      .returning();
    return row;
  }

  /** Records one delivery and what comes next: another try after `retryInMs`, or a final state. */
  async recordDelivery(
    id: string,
    delivery: Pick<DeliveryRow, "attempt" | "statusCode" | "error" | "ms">,
    next: { state: "pending"; retryInMs: number } | { state: Exclude<WebhookState, "pending"> },
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(taskWebhookDeliveries).values({ taskId: id, ...delivery });
      await tx
        .update(tasks)
        .set(next.state === "pending" ? { webhookNextAt: nowPlus(next.retryInMs) } : { webhookState: next.state, webhookNextAt: null })
        .where(eq(tasks.id, id));
    });
  }
}

/** Set on a task's end: its webhook (when it has one) is due now. */
const webhookDue = {
  webhookState: sql`case when ${tasks.webhookUrl} is null then null else 'pending' end`,
  webhookNextAt: sql`case when ${tasks.webhookUrl} is null then null else now() end`,
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function deliveryView(d: DeliveryRow): WebhookDelivery {
  return { attempt: d.attempt, at: d.at.toISOString(), statusCode: d.statusCode, error: d.error, ms: d.ms };
}

export function taskView({ task, deliveries }: StoredTask, retentionMs: number): TaskView {
  return {
    id: task.id,
    object: "task",
    kind: task.kind,
    model: task.model,
    pipeline: task.pipeline,
    status: task.status,
    priority: priorityOf(task.priority),
    result: task.result,
    error: task.error,
    runId: task.runId,
    attempts: task.attempts,
    cancelRequested: task.cancelRequested,
    createdAt: task.createdAt.toISOString(),
    startedAt: iso(task.startedAt),
    finishedAt: iso(task.finishedAt),
    expiresAt: task.finishedAt ? new Date(task.finishedAt.getTime() + retentionMs).toISOString() : null,
    webhook: task.webhookUrl ? { url: task.webhookUrl, state: task.webhookState, deliveries: deliveries.map(deliveryView) } : null,
  };
}
