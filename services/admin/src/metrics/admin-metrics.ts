import { createMetricsRegistry, HttpMetrics } from "@lantern/shared/telemetry";
import type { Registry } from "prom-client";

/** The admin service's Prometheus series: requests by route and status, NATS reconnects, process figures. */
export class AdminMetrics {
  readonly registry: Registry = createMetricsRegistry("admin");
  readonly http = new HttpMetrics(this.registry);
}
