/**
 * `pnpm bench:gateway`: what the gateway adds on top of an upstream. A fast local
 * OpenAI-compatible upstream (no model, fixed answers) is called directly and through the
 * gateway's custom-provider path, in one run: requests/s at 1, 16 and 64 concurrent connections
 * with p50/p99 latency (autocannon), the latency of single requests one at a time, and for streams
 * the time to the first chunk and per chunk. The gateway runs as its own process with the
 * environment as given plus an API key whose policy (generous rate limits, a budget) is written
 * to KV the way the admin service writes it, so auth, limits and usage events are measured
 * whenever the gateway has them on. A bare Node.js proxy (bench/bare-proxy.ts) runs beside them
 * as the floor of what any Node.js gateway costs on the machine. Prints figures beside the
 * targets; asserts nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { connect } from "@nats-io/transport-node";
import {
  encodeMessage,
  hashApiKey,
  KeyPolicy,
  ModelPrice,
  natsNames,
  ProviderSetting,
  toModelToken,
} from "@lantern/shared/contracts";
import { ensureEdgeBuckets, freePort, startLocalNatsServer, type LocalNatsServer } from "@lantern/shared/nats";
import { GATEWAY_NODE_FLAGS, repoRoot } from "../scripts/local-stack.js";
import { timeRequest, timeStream, type StreamTiming, type Target } from "./request-timing.js";
import { cpuSeconds, machineBusySeconds, overTree, percentile, rssMiB } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const LOAD_BLOCK_SECONDS = 1;
const CONCURRENCY = [1, 16, 64];
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 4);
const SINGLE_REQUESTS = Number(process.env.BENCH_SINGLE_REQUESTS ?? 2_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const MODEL = "bench-model";
const PROVIDER = "bench";
const API_KEY = "sk-lantern-bench-0123456789abcdef";

const TARGETS = { throughputRatio64: 0.35, p50AddedMs: 0.5, firstChunkAddedMs: 2, perChunkAddedUs: 5 };
const REFERENCE = { throughputRatio64: 0.05, p50AddedMs: 1.2, firstChunkAddedMs: 30, perChunkAddedUs: 14 };

const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Say hello." }], max_tokens: 64 });
const streamBody = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Say hello." }], max_tokens: 256, stream: true });

interface Child {
  process: ChildProcess;
  exited: Promise<void>;
  stop(): Promise<void>;
}

function spawnTs(script: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void, nodeFlags: readonly string[] = [], args: readonly string[] = []): Child {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const child = spawn(process.execPath, [...nodeFlags, "--import", tsx, join(repoRoot, script), ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout! }).on("line", onLine);
  return {
    process: child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** Runs a bench server script that prints `{"port":N}` once listening; resolves to its origin. */
async function startBenchServer(script: string, args: readonly string[] = []): Promise<{ child: Child; origin: string }> {
  let resolvePort!: (port: number) => void;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  const child = spawnTs(script, process.env, (line) => {
    const parsed = JSON.parse(line) as { port?: number };
    if (parsed.port) resolvePort(parsed.port);
  }, [], args);
  return { child, origin: `http://127.0.0.1:${await port}` };
}

/** Writes what the admin service would: the provider, a key with a generous policy, the model's price. */
async function writeEdgeKv(natsUrl: string, namespace: string, upstreamUrl: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  const buckets = await ensureEdgeBuckets(nc, natsNames(namespace));
  await buckets.providers.put(
    PROVIDER,
    encodeMessage(ProviderSetting, { v: 1, name: PROVIDER, baseUrl: upstreamUrl, apiKey: "sk-upstream-bench", timeoutMs: 30_000 }),
  );
  await buckets.keys.put(
    hashApiKey(API_KEY),
    encodeMessage(KeyPolicy, {
      v: 1,
      keyId: "key_bench",
      name: "gateway benchmark",
      tags: ["bench"],
      allowedModels: null,
      allowedPaths: null,
      rateLimits: [
        { kind: "requests", limit: 1_000_000_000, windowSeconds: 60 },
        { kind: "tokens", limit: 1_000_000_000_000, windowSeconds: 60 },
      ],
      maxConcurrent: null,
      budget: { amountUsd: 1_000_000_000, period: "month" },
      cache: null,
      expiresAt: null,
      revoked: false,
    }),
  );
  await buckets.prices.put(toModelToken(MODEL), encodeMessage(ModelPrice, { v: 1, model: MODEL, inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6 }));
  await nc.close();
}

async function startGatewayProcess(natsUrl: string, namespace: string): Promise<{ child: Child; baseUrl: string }> {
  const port = await freePort();
  const env = {
    ...process.env,
    NATS_URL: natsUrl,
    NATS_NAMESPACE: namespace,
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  };
  // BENCH_GATEWAY_NODE_FLAGS adds node flags for the gateway alone (e.g. `--cpu-prof`).
  const extraFlags = process.env.BENCH_GATEWAY_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawnTs(
    "services/gateway/src/main.ts",
    env,
    (line) => {
      if (/"level":(40|50|60)/.test(line)) console.error(`[gateway] ${line}`);
    },
    [...GATEWAY_NODE_FLAGS, ...extraFlags],
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("the gateway did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, baseUrl };
}

interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  /** CPU time the serving process (the proxy in front of the upstream) spent per request, in µs. */
  cpuUsPerRequest: number;
  /** CPU time the whole machine spent per request (every process, every core), in µs. */
  machineUsPerRequest: number;
  /** Of it, the load generator's (this process, autocannon) and nats-server's (where its pid is known). */
  loadGenUsPerRequest: number;
  natsUsPerRequest: number;
}

/** nats-server's pid: the one this benchmark started, or BENCH_NATS_PID for the one at NATS_URL. */
let natsPid: number | undefined = process.env.BENCH_NATS_PID ? Number(process.env.BENCH_NATS_PID) : undefined;

/** What one block of load on one path came to: sums, so blocks add up. */
interface LoadBlock {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  failures: number;
  cpu: { serving: number; machine: number; loadGen: number; nats: number };
}

async function loadBlock(target: Target, connections: number, seconds: number): Promise<LoadBlock> {
  const cpuOf = (pid: number | undefined) => (pid ? overTree(pid, cpuSeconds) : Number.NaN);
  const before = { serving: cpuOf(target.pid), machine: machineBusySeconds(), loadGen: process.cpuUsage(), nats: cpuOf(natsPid) };
  const result = await autocannon({ url: target.url, method: "POST", headers: target.headers, body, connections, duration: seconds });
  const loadGen = process.cpuUsage(before.loadGen);
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors,
    cpu: {
      serving: cpuOf(target.pid) - before.serving,
      machine: machineBusySeconds() - before.machine,
      loadGen: (loadGen.user + loadGen.system) / 1e6,
      nats: cpuOf(natsPid) - before.nats,
    },
  };
}

/** Totals over a path's blocks; latency percentiles are the median of the blocks' own. */
function loadFigures(blocks: LoadBlock[]): LoadFigures {
  const sum = (figure: (b: LoadBlock) => number) => blocks.reduce((total, b) => total + figure(b), 0);
  const requests = sum((b) => b.requests);
  const perRequest = (seconds: number) => (seconds * 1e6) / requests;
  return {
    rps: requests / sum((b) => b.seconds),
    p50: percentile(blocks.map((b) => b.p50), 50),
    p99: percentile(blocks.map((b) => b.p99), 50),
    failures: sum((b) => b.failures),
    cpuUsPerRequest: perRequest(sum((b) => b.cpu.serving)),
    machineUsPerRequest: perRequest(sum((b) => b.cpu.machine)),
    loadGenUsPerRequest: perRequest(sum((b) => b.cpu.loadGen)),
    natsUsPerRequest: perRequest(sum((b) => b.cpu.nats)),
  };
}

/**
 * Load on each path in turn, in short blocks, for `seconds` per path in all: the machine's speed
 * drifts by as much as 2x within seconds here, and taking turns puts that drift on every path alike.
 */
async function loadInTurns<P extends string>(targets: Record<P, Target>, connections: number, seconds: number, sampleRss?: () => void) {
  const paths = Object.keys(targets) as P[];
  const blocks = Object.fromEntries(paths.map((p) => [p, [] as LoadBlock[]])) as Record<P, LoadBlock[]>;
  const timer = sampleRss ? setInterval(sampleRss, 250) : undefined;
  try {
    for (let done = 0; done < seconds; done += LOAD_BLOCK_SECONDS) {
      for (const p of paths) blocks[p].push(await loadBlock(targets[p], connections, Math.min(LOAD_BLOCK_SECONDS, seconds - done)));
    }
  } finally {
    clearInterval(timer);
  }
  return Object.fromEntries(paths.map((p) => [p, loadFigures(blocks[p])])) as Record<P, LoadFigures>;
}

/** Alternates the two targets in blocks, so machine noise falls on both alike. */
async function interleaved<T>(total: number, block: number, run: (target: "direct" | "gateway") => Promise<T>) {
  const out = { direct: [] as T[], gateway: [] as T[] };
  for (let done = 0; done < total; done += block) {
    for (let i = 0; i < block; i++) out.direct.push(await run("direct"));
    for (let i = 0; i < block; i++) out.gateway.push(await run("gateway"));
  }
  return out;
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const signed = (n: number, digits: number) => (n >= 0 ? `+${fmt(n, digits)}` : fmt(n, digits));
const verdict = (ok: boolean) => (ok ? "meets" : "misses");

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-bench-gw-"));
  let nats: LocalNatsServer | undefined;
  const natsUrl = process.env.NATS_URL ?? (nats = await startLocalNatsServer({ dataDir })).url;
  natsPid ??= nats?.process.pid;
  const namespace = `benchgw${process.pid}`;
  const upstreamServer = await startBenchServer("bench/fast-upstream.ts");
  const upstream = { child: upstreamServer.child, url: `${upstreamServer.origin}/v1` };
  const bareProxy = await startBenchServer("bench/bare-proxy.ts", [upstreamServer.origin]);
  let gateway: { child: Child; baseUrl: string } | undefined;
  try {
    await writeEdgeKv(natsUrl, namespace, upstream.url);
    gateway = await startGatewayProcess(natsUrl, namespace);
    const pid = gateway.child.process.pid!;
    const headers = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };
    const targets: Record<"direct" | "gateway" | "bare", Target> = {
      direct: {
        url: `${upstream.url}/chat/completions`,
        headers: { "content-type": "application/json", authorization: "Bearer sk-upstream-bench" },
        pid: upstream.child.process.pid,
      },
      bare: { url: `${bareProxy.origin}/v1/chat/completions`, headers: { "content-type": "application/json" }, pid: bareProxy.child.process.pid },
      gateway: { url: `${gateway.baseUrl}/api/custom/providers/${PROVIDER}/chat/completions`, headers, pid },
    };
    // The provider reaches the gateway through its KV watch: wait until it answers through it.
    for (let tries = 0; ; tries++) {
      try {
        await timeRequest(targets.gateway, body);
        break;
      } catch (err) {
        if (tries > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // With GATEWAY_PROCESSES the gateway is a primary and its processes: all of them count.
    const gatewayRss = () => overTree(pid, rssMiB);
    const rss = { idle: gatewayRss(), peak: 0, after5s: Number.NaN, after30s: Number.NaN };
    const sampleRss = () => (rss.peak = Math.max(rss.peak, gatewayRss()));

    // Counted from the setting: the process tree also holds the TypeScript loader's esbuild service.
    const processes = process.env.GATEWAY_PROCESSES;
    console.log(`Gateway: ${processes && processes !== "1" ? `GATEWAY_PROCESSES=${processes}, under a primary` : "one process"}`);
    console.log(`Warming up (${SECONDS} s per path) ...`);
    await loadInTurns({ direct: targets.direct, gateway: targets.gateway }, 16, Math.max(1, SECONDS / 2), sampleRss);

    const rows: Array<{ c: number; direct: LoadFigures; gateway: LoadFigures; bare: LoadFigures }> = [];
    for (const c of CONCURRENCY) {
      console.log(`Load at ${c} connections, ${SECONDS} s per path ...`);
      rows.push({ c, ...(await loadInTurns(targets, c, SECONDS, sampleRss)) });
    }

    // Right after load, every process here (the client and the upstream as well) runs at about half
    // speed for a couple of seconds of one-at-a-time traffic: the machine, not the gateway. Timing
    // starts once that has passed, on both paths alike.
    console.log(`Settling into one-at-a-time traffic (${SETTLE_SECONDS} s, not counted) ...`);
    for (const until = performance.now() + SETTLE_SECONDS * 1000; performance.now() < until; ) {
      for (const t of ["direct", "gateway", "bare"] as const) for (let i = 0; i < 20; i++) await timeRequest(targets[t], body);
    }
    console.log(`Single requests one at a time (${SINGLE_REQUESTS} per path) ...`);
    const single = await interleaved(SINGLE_REQUESTS, 100, (t) => timeRequest(targets[t], body));
    const singleBare: number[] = [];
    for (let i = 0; i < Math.min(SINGLE_REQUESTS, 500); i++) singleBare.push(await timeRequest(targets.bare, body));
    console.log(`Streams one at a time (${STREAMS} per path) ...`);
    const streams = await interleaved(STREAMS, 10, (t) => timeStream(targets[t], streamBody));
    sampleRss();

    // The gateway gives memory back once it has been quiet a moment, not at once.
    await new Promise((r) => setTimeout(r, 5_000));
    rss.after5s = gatewayRss();
    await new Promise((r) => setTimeout(r, 25_000));
    rss.after30s = gatewayRss();

    const sp = (xs: number[], p: number) => percentile(xs, p);
    const firstChunk = (xs: StreamTiming[]) => sp(xs.map((x) => x.firstChunkMs), 50);
    const perChunk = (xs: StreamTiming[]) => sp(xs.map((x) => x.perChunkUs), 50);
    const chunks = streams.gateway[0]?.chunks ?? 0;

    console.log("\nThroughput and latency under load (autocannon, keep-alive connections, non-streamed):");
    console.log("  conc | direct req/s | gateway req/s | ratio | bare proxy req/s | ratio | direct p50/p99 ms | gateway p50/p99 ms | failures");
    for (const { c, direct, gateway: g, bare } of rows) {
      console.log(
        `  ${String(c).padStart(4)} | ${fmt(direct.rps, 0).padStart(12)} | ${fmt(g.rps, 0).padStart(13)} | ${fmt(g.rps / direct.rps).padStart(5)} | ` +
          `${fmt(bare.rps, 0).padStart(16)} | ${fmt(bare.rps / direct.rps).padStart(5)} | ` +
          `${`${fmt(direct.p50, 1)} / ${fmt(direct.p99, 1)}`.padStart(17)} | ${`${fmt(g.p50, 1)} / ${fmt(g.p99, 1)}`.padStart(18)} | ${direct.failures + g.failures + bare.failures}`,
      );
    }
    console.log("  (bare proxy: bench/bare-proxy.ts, a Node.js proxy doing nothing but forwarding; no Node.js gateway gets above it on this machine)");
    console.log("\nCPU time per request under load (µs, user + system, of the process that answers: the upstream, the gateway, the bare proxy):");
    console.log("  conc | upstream (direct) | gateway | bare proxy | gateway / bare proxy");
    for (const { c, direct, gateway: g, bare } of rows) {
      console.log(
        `  ${String(c).padStart(4)} | ${fmt(direct.cpuUsPerRequest, 0).padStart(17)} | ${fmt(g.cpuUsPerRequest, 0).padStart(7)} | ` +
          `${fmt(bare.cpuUsPerRequest, 0).padStart(10)} | ${fmt(g.cpuUsPerRequest / bare.cpuUsPerRequest).padStart(20)}`,
      );
    }
    console.log("\nCPU time per request of the whole machine under load (µs, all processes and cores), and the shares of the load generator and nats-server:");
    console.log("  conc | direct: machine / load gen | gateway: machine / load gen / nats-server | bare proxy: machine");
    for (const { c, direct, gateway: g, bare } of rows) {
      console.log(
        `  ${String(c).padStart(4)} | ${`${fmt(direct.machineUsPerRequest, 0)} / ${fmt(direct.loadGenUsPerRequest, 0)}`.padStart(26)} | ` +
          `${`${fmt(g.machineUsPerRequest, 0)} / ${fmt(g.loadGenUsPerRequest, 0)} / ${fmt(g.natsUsPerRequest, 0)}`.padStart(43)} | ${fmt(bare.machineUsPerRequest, 0).padStart(19)}`,
      );
    }
    console.log("  (with every core busy, throughput goes as the inverse of the machine's CPU per request; nats-server n/a: set BENCH_NATS_PID for the one at NATS_URL)");
    const ratio64 = rows.find((r) => r.c === 64)!;
    const throughputRatio = ratio64.gateway.rps / ratio64.direct.rps;
    const p50Added = sp(single.gateway, 50) - sp(single.direct, 50);
    const firstChunkAdded = firstChunk(streams.gateway) - firstChunk(streams.direct);
    const perChunkAdded = perChunk(streams.gateway) - perChunk(streams.direct);

    console.log("\nOne request at a time (ms):        direct p50 / p99      gateway p50 / p99");
    console.log(`  plain request                    ${fmt(sp(single.direct, 50), 3)} / ${fmt(sp(single.direct, 99), 3)}        ${fmt(sp(single.gateway, 50), 3)} / ${fmt(sp(single.gateway, 99), 3)}`);
    console.log(`  plain request, bare proxy                                 ${fmt(sp(singleBare, 50), 3)} / ${fmt(sp(singleBare, 99), 3)}`);
    console.log(`  stream, first chunk              ${fmt(firstChunk(streams.direct), 3)}                ${fmt(firstChunk(streams.gateway), 3)}`);
    console.log(`  stream, per chunk (µs, ${chunks} chunks) ${fmt(perChunk(streams.direct), 1)}                 ${fmt(perChunk(streams.gateway), 1)}`);

    console.log("\nOverhead                              ours        target     well-known gateway");
    console.log(`  throughput at 64 vs direct          ${fmt(throughputRatio)}x       >= ${TARGETS.throughputRatio64}x    ${REFERENCE.throughputRatio64}x   ${verdict(throughputRatio >= TARGETS.throughputRatio64)}` +
      `   (bare proxy ${fmt(ratio64.bare.rps / ratio64.direct.rps)}x; ours is ${fmt(ratio64.gateway.rps / ratio64.bare.rps)} of it)`);
    console.log(`  p50 added at concurrency 1          ${signed(p50Added, 3)} ms  <= +${TARGETS.p50AddedMs} ms  +${REFERENCE.p50AddedMs} ms   ${verdict(p50Added <= TARGETS.p50AddedMs)}`);
    console.log(`  time to first chunk added           ${signed(firstChunkAdded, 3)} ms  <= +${TARGETS.firstChunkAddedMs} ms    +${REFERENCE.firstChunkAddedMs} ms    ${verdict(firstChunkAdded <= TARGETS.firstChunkAddedMs)}`);
    console.log(`  time per chunk added                ${signed(perChunkAdded, 1)} µs    <= ${TARGETS.perChunkAddedUs} µs     ${REFERENCE.perChunkAddedUs} µs    ${verdict(perChunkAdded <= TARGETS.perChunkAddedUs)}`);
    console.log(`\nGateway RSS: idle ${fmt(rss.idle, 0)} MiB, under load (peak) ${fmt(rss.peak, 0)} MiB, after the load ${fmt(rss.after5s, 0)} MiB (5 s) and ${fmt(rss.after30s, 0)} MiB (30 s)`);
    // Measured from outside (/proc): what the machine sees, whatever the gateway's own accounting says.
    const rise = rss.peak - rss.idle;
    const givenBack = rise > 0 ? (rss.peak - rss.after30s) / rise : 1;
    console.log(
      `  given back 30 s after the load: ${fmt(Math.max(0, rss.peak - rss.after30s), 0)} of the ${fmt(rise, 0)} MiB it rose (${fmt(100 * givenBack, 0)}%)   ` +
        `target: back down   ${verdict(givenBack >= 0.5)}`,
    );
  } finally {
    await gateway?.child.stop();
    await bareProxy.child.stop();
    await upstream.child.stop();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
