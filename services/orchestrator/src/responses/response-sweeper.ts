import type { Logger } from "@lantern/shared/logging";
import type { ResponseStore } from "./response-store.js";

/** Removes stored responses past their retention every `intervalMs` (reads skip them anyway; this frees the space). */
export function startResponseSweeper(opts: { store: ResponseStore; intervalMs: number; logger: Logger }): () => void {
  const sweep = async () => {
    try {
      const removed = await opts.store.sweep();
      if (removed > 0) opts.logger.info({ removed }, "removed stored responses past their retention");
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, "could not remove old stored responses");
    }
  };
  const timer = setInterval(() => void sweep(), opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
