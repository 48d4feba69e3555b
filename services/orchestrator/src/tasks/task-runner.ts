import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { decodeMessage, TaskSignal, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { TaskEvents } from "./task-events.js";
import { TaskInterrupted, type TaskExecution } from "./task-execution.js";
import type { TaskEnd, TaskRow, TaskStore } from "./task-store.js";

interface TaskRunnerOptions {
  runnerId: string;
  nc: NatsConnection;
  names: NatsNames;
  store: TaskStore;
  execution: TaskExecution;
  events: TaskEvents;
  /** Tasks run at once; 0 runs none. */
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  /** Takes of one task (after its orchestrator died) before it is failed. */
  maxAttempts: number;
  /** Told each time a task ends (its webhook is due). */
  onEnded: () => void;
  logger: Logger;
}

type StopReason = "cancelled" | "lease_lost" | "shutdown";

/**
 * Claims tasks from the table while it has room, runs each under a lease it keeps renewing, and
 * records the end. Woken by the doorbell subject when a task is queued, and by a poll that also
 * finds tasks left by a dead orchestrator once their lease ran out.
 */
export class TaskRunner {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly subscriptions: Subscription[] = [];
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: TaskRunnerOptions) {}

  start(): void {
    if (this.opts.concurrency === 0) return;
    const { nc, names } = this.opts;
    this.subscriptions.push(nc.subscribe(names.subjects.taskDoorbell, { callback: () => this.ring() }));
    this.subscriptions.push(
      nc.subscribe(names.subjects.taskStop, {
        callback: (err, msg) => {
          if (err) return;
          try {
            this.abort(decodeMessage(TaskSignal, msg.data).taskId, "cancelled");
          } catch {
            // Not ours to read.
          }
        },
      }),
    );
    this.loop = this.claimLoop();
  }

  /** Stops claiming; running tasks are given back to the queue for another orchestrator. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.ring();
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => {})));
    for (const id of this.active.keys()) this.abort(id, "shutdown");
    await this.loop;
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private ring(): void {
    this.wake?.();
  }

  private abort(taskId: string, reason: StopReason): void {
    this.active.get(taskId)?.controller.abort(reason);
  }

  private async claimLoop(): Promise<void> {
    const { store, logger } = this.opts;
    while (!this.stopping) {
      const woken = new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.opts.pollMs).unref();
      });
      try {
        while (!this.stopping && this.active.size < this.opts.concurrency) {
          const task = await store.claim(this.opts.runnerId, this.opts.leaseMs);
          if (!task) break;
          this.launch(task);
        }
      } catch (err) {
        logger.warn({ err: (err as Error).message }, "could not claim tasks; trying again");
      }
      if (!this.stopping) await woken;
    }
  }

  private launch(task: TaskRow): void {
    const controller = new AbortController();
    const done = this.runTask(task, controller).finally(() => {
      this.active.delete(task.id);
      this.ring();
    });
    this.active.set(task.id, { controller, done });
  }

  private async runTask(task: TaskRow, controller: AbortController): Promise<void> {
    const { store, events, runnerId, logger } = this.opts;
    const log = logger.child({ taskId: task.id });
    const end = async (outcome: TaskEnd) => {
      const row = await store.finish(task.id, runnerId, outcome);
      if (!row) return;
      await events.publish(row);
      this.opts.onEnded();
      log.info({ status: row.status, attempts: row.attempts }, "task ended");
    };
    try {
      if (task.cancelRequested) return await end({ status: "cancelled", error: "cancelled" });
      if (task.attempts > this.opts.maxAttempts) {
        return await end({ status: "failed", error: `abandoned: taken ${task.attempts - 1} times by orchestrators that stopped before finishing it` });
      }
      await events.publish(task);
      const renew = setInterval(() => {
        store.renew(task.id, runnerId, this.opts.leaseMs).then(
          (lease) => {
            if (!lease) controller.abort("lease_lost");
            else if (lease.cancelRequested) controller.abort("cancelled");
          },
          (err: Error) => log.warn({ err: err.message }, "could not renew a task's lease"),
        );
      }, Math.max(100, Math.floor(this.opts.leaseMs / 3)));
      try {
        await end(await this.opts.execution.run(task, controller.signal));
      } catch (err) {
        const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : undefined;
        if (reason === "cancelled") {
          await this.opts.execution.cancelled(task);
          await end({ status: "cancelled", error: "cancelled while running" });
        }
        else if (reason === "shutdown") await store.release(task.id, runnerId);
        else if (reason === "lease_lost") log.warn("lost a task's lease; another orchestrator runs it");
        else await end({ status: "failed", error: err instanceof TaskInterrupted ? "stopped" : (err as Error).message });
      } finally {
        clearInterval(renew);
      }
    } catch (err) {
      // The database failed under the task: its lease runs out and it is taken again.
      log.error({ err }, "could not record a task's end");
    }
  }
}
