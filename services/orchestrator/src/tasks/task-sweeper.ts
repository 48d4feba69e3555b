import type { Logger } from "@lantern/shared/logging";
import type { TaskStore } from "./task-store.js";

/** Removes finished tasks past their retention, every `intervalMs` (any replica may; deletes are idempotent). */
export function startTaskSweeper(opts: { store: TaskStore; retentionMs: number; intervalMs: number; logger: Logger }): () => void {
  const sweep = async () => {
    try {
      const removed = await opts.store.sweep(opts.retentionMs);
      if (removed > 0) opts.logger.info({ removed }, "removed finished tasks past their retention");
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, "could not remove old tasks");
    }
  };
  const timer = setInterval(() => void sweep(), opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
