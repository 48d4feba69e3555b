import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadInferenceConfig, startSyntheticWorker, type RunningWorker } from "@lantern/inference";
import { hashApiKey, natsNames, unrestrictedKeyPolicy, type KeyPolicy, type UsageEvent } from "@lantern/shared/contracts";
import { ensureEdgeBuckets, type EdgeBuckets } from "@lantern/shared/nats";
import { startNatsCluster, uniqueNamespace, usageEventsInStream, type TestNatsCluster } from "@lantern/shared/testing";
import { startClusterAdmin, type ClusterAdmin } from "./cluster-admin.js";
import { capturingLogger } from "./log-capture.js";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./test-orchestrator.js";
import { repoRoot, startTestStack, waitFor, type TestStack } from "./test-stack.js";

/*
 * The whole stack on a 3-node NATS cluster, every service given the three URLs and
 * NATS_REPLICAS=3: a gateway, an orchestrator (tasks), admin (usage stored in Postgres) and two
 * synthetic workers in this process.
 */

export const CLUSTER_MODEL = "cluster-synth";

export interface ClusterStack {
  cluster: TestNatsCluster;
  stack: TestStack;
  orchestrator: TestOrchestrator;
  workers: RunningWorker[];
  admin: ClusterAdmin;
  namespace: string;
  /** Writes a key's policy into KV `keys` as the admin service does; returns its secret. */
  putKey(over?: Partial<KeyPolicy>): Promise<string>;
  usageEvents(): Promise<UsageEvent[]>;
  stop(): Promise<void>;
}

export async function startClusterStack(): Promise<ClusterStack> {
  const cluster = await startNatsCluster(3);
  const namespace = uniqueNamespace("cluster");
  const nats = { url: cluster.url, namespace, stop: async () => {} };
  const base = { NATS_URL: cluster.url, NATS_NAMESPACE: namespace, NATS_REPLICAS: "3" };
  const parts: Partial<ClusterStack> = { cluster, namespace, workers: [] };
  let nc: NatsConnection | undefined;
  let keys: EdgeBuckets["keys"] | undefined;
  let keyCount = 0;
  const stop = async () => {
    await nc?.close().catch(() => {});
    for (const worker of parts.workers ?? []) await worker.stop().catch(() => {});
    await parts.admin?.stop().catch(() => {});
    await parts.orchestrator?.stop().catch(() => {});
    if (parts.stack) await dropPipelinesStream(nats).catch(() => {});
    await parts.stack?.stop().catch(() => {});
    await cluster.stop();
  };
  try {
    parts.stack = await startTestStack({
      nats,
      // The default heartbeat TTL (10 s) and queue timeout (30 s), as in production. The TTL is above
      // a stream's election (up to ~8 s here, heartbeats unstored meanwhile), below the ~10 s a KV
      // watch needs to come back when its consumer's node dies (the registry reads KV meanwhile).
      // One run in 16 with a 20 s queue timeout saw a job wait longer for a worker across the loss.
      // The stall timeout (60 s as shipped) outlasts a hung node's detection (~8 s), after which the
      // replies sent meanwhile are asked for again: 15 s keeps that so without slowing the test.
      gatewayEnv: { NATS_REPLICAS: "3", GATEWAY_AUTH: "auto", GATEWAY_STALL_TIMEOUT_MS: "15000", GATEWAY_QUEUE_TIMEOUT_MS: "30000", WORKER_HEARTBEAT_TTL_MS: "10000" },
    });
    for (let i = 0; i < 2; i++) {
      const config = loadInferenceConfig({
        ...base,
        INFERENCE_ENGINE: "synthetic",
        INFERENCE_SYNTHETIC_MODEL: CLUSTER_MODEL,
        INFERENCE_SYNTHETIC_TOKENS_PER_S: "200",
        INFERENCE_SLOTS: "6",
        INFERENCE_ACK_WAIT_MS: "2000",
        INFERENCE_HEARTBEAT_MS: "500",
        MODELS_DIR: `${repoRoot}/models`,
      });
      parts.workers!.push(await startSyntheticWorker(config, capturingLogger(`worker-${i}`).logger));
    }
    parts.admin = await startClusterAdmin(cluster.url, namespace);
    parts.orchestrator = await startTestOrchestrator(nats, { NATS_REPLICAS: "3", ORCHESTRATOR_TASK_POLL_MS: "200", ORCHESTRATOR_QUEUE_TIMEOUT_MS: "60000" });
    await waitFor(async () => ((await (await fetch(`${parts.stack!.baseUrl}/readyz`)).json()) as { models: string[] }).models.includes(CLUSTER_MODEL), 30_000, "the synthetic model");
    nc = await connect({ servers: cluster.url.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    keys = (await ensureEdgeBuckets(nc, natsNames(namespace))).keys;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ...(parts as Required<Pick<ClusterStack, "cluster" | "stack" | "orchestrator" | "workers" | "admin" | "namespace">>),
    async putKey(over = {}) {
      const secret = `sk-cluster-${keyCount}-${Math.random().toString(36).slice(2)}`;
      await keys!.put(hashApiKey(secret), JSON.stringify(unrestrictedKeyPolicy(`key${keyCount++}`, { name: "cluster key", ...over })));
      return secret;
    },
    usageEvents: () => usageEventsInStream(nc!, natsNames(namespace)),
    stop,
  };
}
