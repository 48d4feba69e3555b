import { modelNotFound, noCapacity } from "../errors/api-error.js";
import type { WorkerRegistry } from "./worker-registry.js";

/** 404 for a model no worker ever served; 503 at once when it is known but no worker is up. */
export function ensureServedBy(registry: WorkerRegistry, model: string): void {
  if (registry.liveWorkersFor(model).length > 0) return;
  if (!registry.knowsModel(model)) throw modelNotFound(model);
  const failures = registry.loadFailures(model);
  if (failures.length > 0) throw noCapacity(`No live worker could load '${model}': ${failures.join("; ")}`, 5);
  throw noCapacity(`No live worker serves '${model}' right now.`, 5);
}
