import type { ModelState, ServedModel as ModelStatus } from "@lantern/shared/contracts";
import type { ReadinessReport } from "@lantern/shared/telemetry";

/** One model as `/readyz` lists it. */
export interface ModelReadiness {
  name: string;
  state: ModelState;
  /** Why a `failed` model could not be loaded. */
  reason?: string;
}

interface WorkerReadinessInput {
  connected: boolean;
  /** The models the worker was started with; undefined until its engine is attached. */
  configured: readonly string[] | undefined;
  /** Every configured model has loaded or failed. */
  settled: boolean;
  /** Every model as the heartbeat shows it. */
  models: ModelStatus[];
}

/**
 * Whether the worker is ready, and what `/readyz` says about it: not while any configured model is
 * still loading (a health check that passes then lets requests in that the worker cannot answer
 * yet), nor when every model it has failed to load. A failed model beside a loaded one is listed
 * with its reason but does not hold the worker back. A worker without models (they come later by
 * load command) is ready once connected.
 */
export function workerReadiness({ connected, configured, settled, models }: WorkerReadinessInput): ReadinessReport {
  const listed: ModelReadiness[] = models.map((m) => ({ name: m.name, state: m.state ?? "loaded", ...(m.reason ? { reason: m.reason } : {}) }));
  if (!settled) {
    // Configured models load one at a time: those not begun yet are loading too, as far as readiness goes.
    for (const name of configured ?? []) {
      if (!listed.some((m) => m.name === name)) listed.push({ name, state: "loading" });
    }
  }
  const waitingFor: string[] = [];
  if (!connected) waitingFor.push("the NATS connection");
  if (!configured) waitingFor.push("the worker to start");
  const loading = listed.filter((m) => m.state === "loading").map((m) => m.name);
  if (!settled && loading.length > 0) waitingFor.push(`models to load: ${loading.join(", ")}`);
  else if (!settled && configured) waitingFor.push("the configured models to load");
  if (settled && listed.length > 0 && listed.every((m) => m.state === "failed")) {
    waitingFor.push("a model that loads: every model of this worker failed to load (see models[].reason)");
  }
  const ready = waitingFor.length === 0;
  return {
    ready,
    detail: { nats: connected ? "connected" : "disconnected", models: listed, ...(ready ? {} : { waitingFor }) },
  };
}
