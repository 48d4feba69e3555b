import type { NatsConnection } from "@nats-io/transport-node";
import { collectDefaultMetrics, Counter, Registry } from "prom-client";

/**
 * One service's Prometheus registry: its own, not prom-client's global one, so several services
 * in one process (tests, `npm start`) keep their series apart. Every series carries `service`.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `lantern_nats_reconnects_total`: counts the connection's reconnects until it closes. */
export function countNatsReconnects(nc: NatsConnection, registry: Registry): void {
  const reconnects = new Counter({
    name: "lantern_nats_reconnects_total",
    help: "Times the NATS connection was re-established after a loss.",
    registers: [registry],
  });
  void (async () => {
    for await (const status of nc.status()) if (status.type === "reconnect") reconnects.inc();
  })();
}
