/**
 * `npm run bench:cluster`: what a 3-node NATS cluster with three replicas of every stream costs
 * against one server, and what a client sees when a node dies. The same stack (a gateway and two
 * synthetic workers in this process: replies on timers, no model) runs on one nats-server, then on
 * a 3-node loopback cluster with NATS_REPLICAS=3; the same clients send streamed completions one
 * after another. Last, on the cluster, the node leading the INFER stream is SIGKILLed under that
 * load and started again, then frozen (SIGSTOP: a host that hangs) and woken: the longest silence any
 * stream saw and how the streams ended.
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInferenceConfig, startSyntheticWorker, type RunningWorker } from "@lantern/inference";
import { natsNames, WORKER_HEARTBEAT_TTL_MS } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { startLocalNatsServer } from "@lantern/shared/nats";
import { startNatsCluster, uniqueNamespace, type TestNats, type TestNatsCluster } from "@lantern/shared/testing";
import { countOutcomes, steadyLoad, streamedChat, type StreamResult } from "../test/harness/cluster-load.js";
import { repoRoot, startTestStack, waitFor, type TestStack } from "../test/harness/test-stack.js";
import { percentile } from "./stats.js";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 40);
const RATE = Number(process.env.BENCH_SYNTHETIC_RATE ?? 200);
const MODEL = "cluster-bench";
const FREEZE_S = Number(process.env.BENCH_FREEZE_S ?? 20);

interface Stack {
  stack: TestStack;
  workers: RunningWorker[];
  stop(): Promise<void>;
}

async function startStack(nats: TestNats, replicas: number): Promise<Stack> {
  const quiet = createLogger({ service: "bench", level: "silent" });
  const base = { NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, NATS_REPLICAS: String(replicas) };
  const stack = await startTestStack({
    nats,
    // The heartbeat TTL and stall timeout as shipped (the test stack's are 3 s and 5 s, for quick tests).
    gatewayEnv: {
      NATS_REPLICAS: String(replicas),
      GATEWAY_AUTH: "off",
      GATEWAY_QUEUE_TIMEOUT_MS: "20000",
      WORKER_HEARTBEAT_TTL_MS: String(WORKER_HEARTBEAT_TTL_MS),
      LOG_LEVEL: "silent",
    },
  });
  const workers: RunningWorker[] = [];
  for (let i = 0; i < 2; i++) {
    const config = loadInferenceConfig({
      ...base,
      INFERENCE_ENGINE: "synthetic",
      INFERENCE_SYNTHETIC_MODEL: MODEL,
      INFERENCE_SYNTHETIC_TOKENS_PER_S: String(RATE),
      INFERENCE_SLOTS: "6",
      INFERENCE_ACK_WAIT_MS: "2000",
      INFERENCE_HEARTBEAT_MS: "500",
      MODELS_DIR: join(repoRoot, "models"),
    });
    workers.push(await startSyntheticWorker(config, quiet));
  }
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { models: string[] }).models.includes(MODEL), 30_000, "the synthetic model");
  return {
    stack,
    workers,
    async stop() {
      for (const w of workers) await w.stop().catch(() => {});
      await stack.stop().catch(() => {});
    },
  };
}

const send = (s: Stack) => () => streamedChat(s.stack.baseUrl, null, MODEL, TOKENS);

interface Figures {
  streams: number;
  perSecond: number;
  ttftP50: number;
  ttftP95: number;
  longestStallMs: number;
  outcomes: ReturnType<typeof countOutcomes>;
  /** How the streams that did not complete ended, by message. */
  errors: Record<string, number>;
}

function figures(results: StreamResult[], wallMs: number): Figures {
  const ttfts = results.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs]));
  return {
    streams: results.length,
    perSecond: (results.filter((r) => r.outcome === "completed").length / wallMs) * 1000,
    ttftP50: percentile(ttfts, 50),
    ttftP95: percentile(ttfts, 95),
    longestStallMs: Math.max(0, ...results.map((r) => r.longestStallMs)),
    outcomes: countOutcomes(results),
    errors: results.reduce<Record<string, number>>((seen, r) => {
      if (r.error) seen[r.error.slice(0, 160)] = (seen[r.error.slice(0, 160)] ?? 0) + 1;
      return seen;
    }, {}),
  };
}

/** The clients' steady load for SECONDS, after a short warm-up outside the figures. */
async function steady(s: Stack): Promise<Figures> {
  const warm = steadyLoad(CLIENTS, send(s));
  await new Promise((r) => setTimeout(r, 2_000));
  await warm.stop();
  const load = steadyLoad(CLIENTS, send(s));
  const started = Date.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1_000));
  const results = await load.stop();
  return figures(results, Date.now() - started);
}

/** The same load while the INFER stream's leader is killed, and for a while after it is back. */
async function acrossKill(s: Stack, cluster: TestNatsCluster, namespace: string): Promise<Figures & { leader: string; electionMs: number }> {
  const load = steadyLoad(CLIENTS, send(s));
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 3_000));
  const stream = natsNames(namespace).streams.infer;
  const leader = await cluster.leaderOf(stream);
  const killedAt = Date.now();
  await cluster.kill(leader);
  await cluster.leaderOf(stream);
  const electionMs = Date.now() - killedAt;
  await new Promise((r) => setTimeout(r, 10_000));
  await cluster.restart(leader);
  await new Promise((r) => setTimeout(r, 5_000));
  const results = await load.stop();
  return { ...figures(results, Date.now() - started), leader, electionMs };
}

/** The same load while the INFER stream's leader hangs (SIGSTOP: its sockets open and silent), then wakes. */
async function acrossFreeze(s: Stack, cluster: TestNatsCluster, namespace: string): Promise<Figures & { leader: string; electionMs: number }> {
  const load = steadyLoad(CLIENTS, send(s));
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 3_000));
  const stream = natsNames(namespace).streams.infer;
  const leader = await cluster.leaderOf(stream);
  const frozenAt = Date.now();
  cluster.freeze(leader);
  await waitFor(async () => (await cluster.leaderOf(stream).catch(() => leader)) !== leader, 30_000, "a new INFER leader");
  const electionMs = Date.now() - frozenAt;
  await new Promise((r) => setTimeout(r, Math.max(0, FREEZE_S * 1_000 - electionMs)));
  cluster.thaw(leader);
  await new Promise((r) => setTimeout(r, 10_000));
  const results = await load.stop();
  return { ...figures(results, Date.now() - started), leader, electionMs };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const row = (label: string, f: Figures) =>
  `| ${label} | ${f.streams} | ${fmt(f.perSecond)} | ${fmt(f.ttftP50)} | ${fmt(f.ttftP95)} | ${f.longestStallMs} |`;

async function main(): Promise<void> {
  console.log(`${CLIENTS} clients, streamed completions of ${TOKENS} tokens at ${RATE} tokens/s (synthetic), ${SECONDS} s each run`);

  const dataDir = mkdtempSync(join(tmpdir(), "lantern-bench-nats-"));
  const server = await startLocalNatsServer({ dataDir });
  const single = await startStack({ url: server.url, namespace: uniqueNamespace("bench1"), stop: async () => {} }, 1);
  let one: Figures;
  try {
    one = await steady(single);
  } finally {
    await single.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const cluster = await startNatsCluster(3);
  const namespace = uniqueNamespace("bench3");
  const three = await startStack({ url: cluster.url, namespace, stop: async () => {} }, 3);
  let r3: Figures;
  let kill: Awaited<ReturnType<typeof acrossKill>>;
  let freeze: Awaited<ReturnType<typeof acrossFreeze>>;
  try {
    r3 = await steady(three);
    kill = await acrossKill(three, cluster, namespace);
    freeze = await acrossFreeze(three, cluster, namespace);
  } finally {
    await three.stop();
    await cluster.stop();
  }

  console.log("\n| NATS | streams | completions/s | TTFT p50 ms | TTFT p95 ms | longest stall ms |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  console.log(row("1 server, R1", one));
  console.log(row("3-node cluster, R3", r3));
  console.log(row(`3-node cluster, INFER leader ${kill.leader} killed and restarted`, kill));
  console.log(row(`3-node cluster, INFER leader ${freeze.leader} frozen ${FREEZE_S} s and thawed`, freeze));
  console.log(`\nnew INFER leader known ${kill.electionMs} ms after the kill, ${freeze.electionMs} ms after the freeze`);
  console.log(
    `how the streams ended: 1 server ${JSON.stringify(one.outcomes)}; cluster ${JSON.stringify(r3.outcomes)}; across the kill ${JSON.stringify(kill.outcomes)}; across the freeze ${JSON.stringify(freeze.outcomes)}`,
  );
  for (const [label, f] of [["1 server", one], ["cluster", r3], ["across the kill", kill], ["across the freeze", freeze]] as const) {
    if (Object.keys(f.errors).length > 0) console.log(`errors, ${label}: ${JSON.stringify(f.errors)}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
