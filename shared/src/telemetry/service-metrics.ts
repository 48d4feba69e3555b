import type { Registry } from "prom-client";
import type { Logger } from "../logging/index.js";
import type { NatsLink } from "../nats/index.js";
import { countNatsReconnects, createMetricsRegistry } from "./metrics-registry.js";
import { startMetricsServer } from "./metrics-server.js";

interface ServiceMetricsOptions {
  service: string;
  config: { METRICS_PORT?: number | undefined; METRICS_HOST: string; METRICS_TOKEN?: string | undefined };
  nats: NatsLink;
  /** Ready to take work, beyond being connected to NATS. */
  started: () => boolean;
  logger: Logger;
}

interface ServiceMetrics {
  registry: Registry;
  /** Unset without METRICS_PORT. */
  url: string | undefined;
  stop(): Promise<void>;
}

/**
 * The process figures and NATS reconnects of a service with no HTTP port of its own (the
 * orchestrator, the model fetcher), served with its health on METRICS_PORT when that is set.
 */
export async function startServiceMetrics(opts: ServiceMetricsOptions): Promise<ServiceMetrics> {
  const registry = createMetricsRegistry(opts.service);
  countNatsReconnects(opts.nats.nc, registry);
  if (opts.config.METRICS_PORT === undefined) return { registry, url: undefined, stop: async () => {} };
  const server = await startMetricsServer({
    port: opts.config.METRICS_PORT,
    host: opts.config.METRICS_HOST,
    registry,
    ready: () => opts.nats.connected && opts.started(),
    token: opts.config.METRICS_TOKEN,
    logger: opts.logger,
  });
  return { registry, url: server.url, stop: server.stop };
}
