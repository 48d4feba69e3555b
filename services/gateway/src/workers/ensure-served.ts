import { modelNotFound, noCapacity } from "../errors/api-error.js";
import type { WorkerRegistry } from "./worker-registry.js";

/**
 * 404 for a model no worker ever served; 503 at once when it is known but no worker serving it
 * has been heard from lately. A worker silent for a moment (its heartbeats held up by a broker
 * election) still gets the job: it waits in the queue, as for a busy worker.
 */
export function ensureServedBy(registry: WorkerRegistry, model: string): void {
  if (registry.recentWorkersFor(model).length > 0) return;
  if (!registry.knowsModel(model)) throw modelNotFound(model);
  const failures = registry.loadFailures(model);
  if (failures.length > 0) throw noCapacity(`No live worker could load '${model}': ${failures.join("; ")}`, 5);
  throw noCapacity(`No live worker serves '${model}' right now.`, 5);
}
