import type { Logger } from "@lantern/shared/logging";
import type { ClusterWatch, NatsLink } from "@lantern/shared/nats";
import type { ResponseCache } from "./cache/response-cache.js";
import type { GatewayConfig } from "./config.js";
import type { EdgeServices } from "./edge/edge-services.js";
import type { InferenceClient } from "./jobs/inference-client.js";
import type { QueueMonitor } from "./jobs/queue-monitor.js";
import type { GatewayMetrics } from "./metrics/gateway-metrics.js";
import type { StreamKeeper } from "./jobs/stream-keeper.js";
import type { ProviderTable, RouteTable } from "./providers/edge-tables.js";
import type { UpstreamClient } from "./providers/upstream-client.js";
import type { WorkerRegistry } from "./workers/worker-registry.js";

/** What every route can reach: the parts wired in main, passed explicitly (no globals). */
export interface GatewayDeps {
  config: GatewayConfig;
  nats: NatsLink;
  /** The NATS cluster as this gateway sees it (nodes, meta leader, streams lacking replicas), for /readyz. */
  cluster: ClusterWatch;
  registry: WorkerRegistry;
  inference: InferenceClient;
  queues: QueueMonitor;
  providers: ProviderTable;
  routes: RouteTable;
  upstream: UpstreamClient;
  cache: ResponseCache;
  edge: EdgeServices;
  metrics: GatewayMetrics;
  /** Keeps streamed replies for a while and resumes streams kept by any gateway. */
  streams: StreamKeeper;
  logger: Logger;
}

