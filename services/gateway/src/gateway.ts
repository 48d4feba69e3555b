import cluster from "node:cluster";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { closeHttpServer } from "@lantern/shared/lifecycle";
import { jetstream } from "@nats-io/jetstream";
import { natsNames, newRequestId } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { afterEachReconnect, closeNats, ClusterWatch, connectNats, ensureBuckets, ensureEdgeBuckets, ensureInferResources, ensureRepliesStream, kvStreamName } from "@lantern/shared/nats";
import { createApp } from "./app.js";
import { ResponseCache } from "./cache/response-cache.js";
import { EdgeServices } from "./edge/edge-services.js";
import type { GatewayConfig } from "./config.js";
import { InferenceClient } from "./jobs/inference-client.js";
import { QueueMonitor } from "./jobs/queue-monitor.js";
import { GatewayMetrics } from "./metrics/gateway-metrics.js";
import { StreamKeeper } from "./jobs/stream-keeper.js";
import { collectWhenRequestsStop } from "./memory/idle-collection.js";
import { shareMetricsWithPrimary } from "./processes/shared-metrics.js";
import { PrefixDirectory, ReplyRouter } from "@lantern/shared/inference";
import { countNatsReconnects } from "@lantern/shared/telemetry";
import { startProviderTables } from "./providers/edge-tables.js";
import { UpstreamClient } from "./providers/upstream-client.js";
import { WorkerRegistry } from "./workers/worker-registry.js";

/** How often /readyz's report of the NATS cluster is refreshed. */
const CLUSTER_CHECK_MS = 5_000;

export interface RunningGateway {
  url: string;
  port: number;
  /** Stops accepting connections, lets open responses finish (up to `graceMs`), then disconnects. */
  stop(graceMs?: number): Promise<void>;
}

export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const gatewayId = newRequestId("gw");
  const log = logger.child({ gatewayId });
  const names = natsNames(config.NATS_NAMESPACE);
  // Each API request makes up to three NATS round trips (admission, settlement, usage event): their
  // errors carry the subject and cause, which is enough; a stack capture per round trip is not.
  const nats = await connectNats({ url: config.NATS_URL, replicas: config.NATS_REPLICAS, name: `gateway-${gatewayId}`, logger: log, asyncTraces: false });
  const metrics = new GatewayMetrics();
  countNatsReconnects(nats.nc, metrics.registry);
  if (cluster.isWorker) shareMetricsWithPrimary(metrics.registry);
  const jsm = await ensureInferResources(nats.nc, names);
  const buckets = await ensureBuckets(nats.nc, names, { workerTtlMs: config.WORKER_HEARTBEAT_TTL_MS });
  const edgeBuckets = await ensureEdgeBuckets(nats.nc, names);
  if (config.GATEWAY_RESUME_WINDOW_S > 0) {
    const ensureReplies = () => ensureRepliesStream(jsm, names, config.GATEWAY_RESUME_WINDOW_S);
    await ensureReplies();
    // REPLIES lives in memory: a restarted broker has lost it, and streams started after would not be kept.
    afterEachReconnect(nats.nc, "stream REPLIES", ensureReplies, log);
  }
  const { providers, routes } = await startProviderTables(edgeBuckets, log);
  const upstream = new UpstreamClient({ answerLimitBytes: config.GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES });
  const cache = new ResponseCache(edgeBuckets.cache, log.child({ component: "cache" }));

  const registry = new WorkerRegistry({
    ...buckets,
    heartbeatTtlMs: config.WORKER_HEARTBEAT_TTL_MS,
    // A single server reports no cluster; an info request to a bucket without a leader fails.
    heartbeatsStorable: async () => {
      const { cluster } = await jsm.streams.info(kvStreamName(names.buckets.workers));
      return cluster === undefined || Boolean(cluster.leader);
    },
    logger: log,
  });
  await registry.start();
  const router = new ReplyRouter(nats.nc, names, gatewayId, log);
  router.start();
  const queues = new QueueMonitor({
    jsm,
    names,
    models: () => registry.servedModels().map((m) => m.name),
    pollMs: config.GATEWAY_QUEUE_POLL_MS,
    logger: log,
  });
  queues.start();
  metrics.watchQueues(queues);
  const js = jetstream(nats.nc);
  // Workers announce what their slots hold; holders silent for three heartbeats are forgotten.
  const prefixes = new PrefixDirectory({ forgetAfterMs: 3 * config.WORKER_HEARTBEAT_TTL_MS, alive: (id) => registry.isAlive(id) });
  prefixes.follow(nats.nc, names, log);
  const inference = new InferenceClient({
    nc: nats.nc,
    js,
    jsm,
    names,
    router,
    queueTimeoutMs: config.GATEWAY_QUEUE_TIMEOUT_MS,
    stallTimeoutMs: config.GATEWAY_STALL_TIMEOUT_MS,
    queues,
    queueLimit: config.GATEWAY_QUEUE_LIMIT,
    observer: metrics,
    prefixes: { directory: prefixes, waitMs: config.GATEWAY_PREFIX_AFFINITY_MS },
    logger: log,
  });
  const edge = await EdgeServices.start({
    nc: nats.nc,
    jsm,
    names,
    gatewayId,
    auth: config.GATEWAY_AUTH,
    holdMs: config.GATEWAY_LIMIT_HOLD_MS,
    outboxLimit: config.GATEWAY_USAGE_OUTBOX_LIMIT,
    logger: log,
  });
  const streams = new StreamKeeper({
    nc: nats.nc,
    js,
    jsm,
    names,
    windowS: config.GATEWAY_RESUME_WINDOW_S,
    stallTimeoutMs: config.GATEWAY_STALL_TIMEOUT_MS,
    logger: log.child({ component: "streams" }),
  });
  const natsCluster = new ClusterWatch({ nc: nats.nc, names, everyMs: CLUSTER_CHECK_MS, logger: log });
  natsCluster.start();
  const { app, sockets, monitor } = createApp({ config, nats, cluster: natsCluster, registry, inference, queues, providers, routes, upstream, cache, edge, metrics, streams, logger: log });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.GATEWAY_HOST, port: config.GATEWAY_PORT }, () => resolve(s as Server));
    s.once("error", reject);
  });
  sockets.injectWebSocket(server);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.GATEWAY_HOST}:${port}`;
  log.info({ url }, "gateway listening");
  const stopCollecting = collectWhenRequestsStop(server, log.child({ component: "memory" }));

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop(graceMs = 10_000) {
      stopped ??= (async () => {
        stopCollecting();
        // Sockets are not the HTTP server's to drain: closing them stops their chats (the jobs are cancelled).
        for (const ws of sockets.wss.clients) ws.close(1001, "gateway stopping");
        monitor.stop();
        natsCluster.stop();
        await closeHttpServer(server, graceMs);
        await edge.stop(Math.min(graceMs, 5_000));
        registry.stop();
        providers.stop();
        routes.stop();
        await upstream.close();
        queues.stop();
        prefixes.stop();
        router.stop();
        await closeNats(nats.nc);
        log.info("gateway stopped");
      })();
      return stopped;
    },
  };
}
