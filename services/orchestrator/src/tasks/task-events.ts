import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeMessage, TaskEvent, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { TaskRow } from "./task-store.js";

const TYPE_OF_STATUS = { succeeded: "done", failed: "failed", cancelled: "cancelled", queued: "queued", running: "started" } as const;

/** Publishes a task's progress on `events.task.<id>`; stream EVENTS keeps it for monitors. */
export class TaskEvents {
  constructor(
    private readonly js: JetStreamClient,
    private readonly names: NatsNames,
    private readonly logger: Logger,
  ) {}

  /** The event that the task's current status stands for. */
  async publish(task: Pick<TaskRow, "id" | "owner" | "status" | "error">): Promise<void> {
    const event: TaskEvent = { v: 1, taskId: task.id, owner: task.owner, at: Date.now(), type: TYPE_OF_STATUS[task.status], status: task.status, error: task.error };
    try {
      await this.js.publish(this.names.subjects.taskEvents(task.id), encodeMessage(TaskEvent, event));
    } catch (err) {
      // Events are a view of the task; its row is what counts.
      this.logger.warn({ err, taskId: task.id, type: event.type }, "could not publish a task event");
    }
  }
}
