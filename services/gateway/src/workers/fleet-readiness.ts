import type { WorkerHeartbeat } from "@lantern/shared/contracts";

/** A model some worker could not load, as the gateway's `/readyz` lists it. */
export interface FailedModel {
  model: string;
  workerId: string;
  reason: string;
}

interface FleetReadiness {
  /** Some live worker has a model it can answer with now. */
  serving: boolean;
  /** What the gateway still waits for; empty once serving. */
  waitingFor: string[];
  failedModels: FailedModel[];
}

/**
 * Whether the live workers can answer anything yet: one model loaded on one worker is enough. A
 * model unloaded for idling counts (a job loads it again, as it would on a warm start), one still
 * loading does not: requests for it would wait out the load, or fail if it never comes.
 */
export function fleetReadiness(workers: WorkerHeartbeat[]): FleetReadiness {
  const failedModels = workers.flatMap((w) =>
    w.models.filter((m) => m.state === "failed").map((m) => ({ model: m.name, workerId: w.workerId, reason: m.reason ?? "load failed" })),
  );
  const serving = workers.some((w) => w.models.some((m) => m.state === undefined || m.state === "loaded" || m.state === "unloaded"));
  if (serving) return { serving, waitingFor: [], failedModels };
  if (workers.length === 0) return { serving, waitingFor: ["a live worker (none has sent a heartbeat)"], failedModels };
  const loading = workers.flatMap((w) => w.models.filter((m) => m.state === "loading").map((m) => `${m.name} on ${w.workerId}`));
  const detail =
    loading.length > 0
      ? `loading: ${loading.join(", ")}`
      : failedModels.length > 0
        ? "none loading; see failedModels"
        : `${workers.length} live worker(s) with no model yet`;
  return { serving, waitingFor: [`a worker with a loaded model (${detail})`], failedModels };
}
