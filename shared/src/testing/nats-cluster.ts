import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { findNatsServer, freePort, NATS_SERVER_INSTALL_HINT } from "../nats/local-server.js";
import { waitFor } from "./wait-for.js";

/*
 * A 3-node JetStream cluster on loopback: nats-server processes with routes to each other on free
 * ports, each with its own store directory, that a test can SIGKILL and start again one by one.
 */

interface ClusterNode {
  name: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  dataDir: string;
  process: ChildProcess | null;
}

export interface TestNatsCluster {
  /** Every node's client URL, comma-separated: what NATS_URL is given. */
  url: string;
  nodeNames: string[];
  urlOf(node: string): string;
  /** The node leading a stream's RAFT group now. */
  leaderOf(stream: string): Promise<string>;
  /** Which node leads what now, read from the nodes' monitoring ports: `meta` and each stream. */
  leaders(): Promise<Record<string, string>>;
  /** The node a client whose connection name starts with `prefix` is connected to now, if any. */
  nodeOf(prefix: string): Promise<string | undefined>;
  /** SIGKILLs a node (no goodbye to its clients or peers). */
  kill(node: string): Promise<void>;
  /** SIGSTOPs a node: its sockets stay open and silent, as a host that hangs or drops off the network. */
  freeze(node: string): void;
  /** SIGCONTs a frozen node. */
  thaw(node: string): void;
  /** Starts a killed node again on its ports and store; resolves once it is back in the cluster. */
  restart(node: string): Promise<void>;
  stop(): Promise<void>;
}

/** The parts of a node's `/jsz?streams=true` answer read here. */
interface JszAnswer {
  meta_cluster?: { leader?: string; replicas?: Array<{ name: string; current?: boolean; offline?: boolean }> };
  account_details?: Array<{ stream_detail?: Array<{ name: string; cluster?: { leader?: string } }> }>;
}

async function allPeersCurrent(nodes: ClusterNode[]): Promise<boolean> {
  for (const node of nodes) {
    const jsz = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.json() as Promise<JszAnswer>).catch(() => null);
    const meta = jsz?.meta_cluster;
    if (meta?.leader !== node.name) continue;
    const peers = (meta.replicas ?? []).filter((p) => p.current && !p.offline);
    return peers.length === nodes.length - 1;
  }
  return false;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts a cluster on loopback, once more on new ports when the first does not form: a port found
 * free may be taken by another process (an outgoing connection's ephemeral port) before its node
 * binds it, and that node then never joins.
 */
export async function startNatsCluster(size = 3): Promise<TestNatsCluster> {
  try {
    return await startNatsClusterOnce(size);
  } catch (err) {
    console.warn(`the test NATS cluster did not form (${(err as Error).message}); starting it again on new ports`);
    return startNatsClusterOnce(size);
  }
}

async function startNatsClusterOnce(size: number): Promise<TestNatsCluster> {
  const bin = findNatsServer();
  if (!bin) throw new Error(NATS_SERVER_INSTALL_HINT);
  const root = mkdtempSync(join(tmpdir(), "lantern-nats-cluster-"));
  const nodes: ClusterNode[] = [];
  for (let i = 1; i <= size; i++) {
    nodes.push({ name: `n${i}`, port: await freePort(), clusterPort: await freePort(), monitorPort: await freePort(), dataDir: join(root, `n${i}`), process: null });
  }
  const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.clusterPort}`).join(",");
  const url = nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(",");
  const byName = (name: string) => {
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  };
  const launch = (node: ClusterNode) => {
    node.process = spawn(
      bin,
      ["-a", "127.0.0.1", "-p", String(node.port), "-m", String(node.monitorPort), "-js", "-sd", node.dataDir, "-n", node.name,
        "--cluster_name", "lantern-test", "--cluster", `nats://127.0.0.1:${node.clusterPort}`, "--routes", routes],
      { stdio: "ignore" },
    );
  };
  // A test process that dies (an uncaught error, a timeout) takes its nodes with it, not leaving them running.
  const killNodes = () => {
    for (const node of nodes) node.process?.kill("SIGKILL");
  };
  process.once("exit", killNodes);
  let probe: NatsConnection | undefined;
  /** JetStream answers account requests only once the cluster has a meta leader. */
  const jetStreamUp = async (via: string) => {
    const nc = await connect({ servers: via, timeout: 500 }).catch(() => null);
    if (!nc) return false;
    try {
      const info = await nc.request("$JS.API.INFO", "", { timeout: 500 }).then((m) => m.json<{ error?: unknown }>());
      return !info.error;
    } catch {
      return false;
    } finally {
      await nc.close();
    }
  };

  const cluster: TestNatsCluster = {
    url,
    nodeNames: nodes.map((n) => n.name),
    urlOf: (name) => `nats://127.0.0.1:${byName(name).port}`,
    async leaderOf(stream) {
      // Quick to leave a frozen node: it answers nothing and closes nothing.
      probe ??= await connect({ servers: nodes.map((n) => `127.0.0.1:${n.port}`), maxReconnectAttempts: -1, reconnectTimeWait: 200, pingInterval: 2_000, maxPingOut: 2, timeout: 1_000 });
      // No API check: it asks the meta leader, which may be the node just killed.
      const jsm = await jetstreamManager(probe, { checkAPI: false, timeout: 1_000 });
      let leader = "";
      await waitFor(async () => {
        leader = (await jsm.streams.info(stream).catch(() => null))?.cluster?.leader ?? "";
        return leader !== "";
      }, 15_000, `a leader of ${stream}`);
      return leader;
    },
    async leaders() {
      const found: Record<string, string> = {};
      for (const node of nodes.filter((n) => n.process)) {
        const jsz = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz?streams=true`, { signal: AbortSignal.timeout(2_000) })
          .then((r) => r.json() as Promise<JszAnswer>)
          .catch(() => null);
        if (jsz?.meta_cluster?.leader) found.meta = jsz.meta_cluster.leader;
        for (const stream of jsz?.account_details?.flatMap((a) => a.stream_detail ?? []) ?? []) {
          if (stream.cluster?.leader) found[stream.name] = stream.cluster.leader;
        }
      }
      return found;
    },
    async nodeOf(prefix) {
      for (const node of nodes.filter((n) => n.process)) {
        const connz = await fetch(`http://127.0.0.1:${node.monitorPort}/connz?limit=4096`, { signal: AbortSignal.timeout(2_000) })
          .then((r) => r.json() as Promise<{ connections?: Array<{ name?: string }> }>)
          .catch(() => null);
        if (connz?.connections?.some((c) => c.name?.startsWith(prefix))) return node.name;
      }
      return undefined;
    },
    async kill(name) {
      const node = byName(name);
      if (!node.process) return;
      node.process.kill("SIGKILL");
      await exited(node.process);
      node.process = null;
    },
    freeze: (name) => void byName(name).process?.kill("SIGSTOP"),
    thaw: (name) => void byName(name).process?.kill("SIGCONT"),
    async restart(name) {
      const node = byName(name);
      if (node.process) return;
      launch(node);
      await waitFor(() => jetStreamUp(cluster.urlOf(name)), 20_000, `node ${name} back with JetStream`);
    },
    async stop() {
      process.off("exit", killNodes);
      await probe?.close().catch(() => {});
      for (const node of nodes) {
        if (!node.process) continue;
        node.process.kill("SIGKILL");
        await exited(node.process);
        node.process = null;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    for (const node of nodes) launch(node);
    await waitFor(() => jetStreamUp(cluster.urlOf("n1")), 20_000, "the cluster's meta leader");
    // A meta leader may be elected before every peer has joined: R3 streams are refused until then.
    await waitFor(() => allPeersCurrent(nodes), 20_000, "every node in the meta group");
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
