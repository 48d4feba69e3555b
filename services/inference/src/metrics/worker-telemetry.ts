import type { NatsConnection } from "@nats-io/transport-node";
import { stateVersionOf, type ComputePool, type ServedModel as ModelStatus } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { countNatsReconnects, packageVersion, startMetricsServer, type ReadinessReport, type RunningMetricsServer } from "@lantern/shared/telemetry";
import type { InferenceConfig } from "../config.js";
import { WorkerMetrics } from "./worker-metrics.js";

// Two levels below the package root, in the source tree and in the bundle (dist/bin) alike.
const VERSION = packageVersion(new URL("../../package.json", import.meta.url));

interface WorkerTelemetry {
  metrics: WorkerMetrics;
  /** Where `/metrics`, `/healthz`, `/readyz` answer; unset without METRICS_PORT. */
  url: string | undefined;
  stop(): Promise<void>;
}

interface WorkerTelemetryOptions {
  config: Pick<InferenceConfig, "METRICS_PORT" | "METRICS_HOST" | "METRICS_TOKEN" | "LANTERN_BUILD">;
  /** The compute backend the worker opened, for `/state/version`. */
  pool: ComputePool;
  nc: NatsConnection;
  /** The worker's models, as its heartbeat shows them. */
  snapshot: () => ModelStatus[];
  /** What `/readyz` answers: connected, with every configured model settled (see worker-readiness). */
  readiness: () => ReadinessReport;
  logger: Logger;
}

/** The worker's series, and its metrics and health server (with `/state/version`) when METRICS_PORT is set. */
export async function startWorkerTelemetry(opts: WorkerTelemetryOptions): Promise<WorkerTelemetry> {
  const metrics = new WorkerMetrics();
  countNatsReconnects(opts.nc, metrics.registry);
  metrics.watchModels(opts.snapshot);
  let server: RunningMetricsServer | undefined;
  if (opts.config.METRICS_PORT !== undefined) {
    server = await startMetricsServer({
      port: opts.config.METRICS_PORT,
      host: opts.config.METRICS_HOST,
      registry: metrics.registry,
      ready: opts.readiness,
      token: opts.config.METRICS_TOKEN,
      stateVersion: () =>
        stateVersionOf({
          service: "inference",
          version: VERSION,
          build: opts.config.LANTERN_BUILD,
          pools: [opts.pool],
          models: opts.snapshot().filter((m) => (m.state ?? "loaded") === "loaded").map((m) => m.name),
        }),
      logger: opts.logger,
    });
  }
  return { metrics, url: server?.url, stop: async () => server?.stop() };
}
