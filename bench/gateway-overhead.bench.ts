/**
 * `npm run bench:gateway`: what the gateway adds on top of an upstream. A fast local
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
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalNatsServer, type LocalNatsServer } from "@lantern/shared/nats";
import { API_KEY, body, PROVIDER, streamBody, UPSTREAM_API_KEY, writeEdgeKv } from "./gateway-overhead/bench-fixture.js";
import { startBenchServer, startGatewayProcess, type Child } from "./gateway-overhead/bench-processes.js";
import { interleaved, loadInTurns, type LoadFigures } from "./gateway-overhead/load-turns.js";
import { printOverheadReport } from "./gateway-overhead/overhead-report.js";
import { timeRequest, timeStream, type Target } from "./request-timing.js";
import { overTree, rssMiB } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONCURRENCY = [1, 16, 64];
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 4);
const SINGLE_REQUESTS = Number(process.env.BENCH_SINGLE_REQUESTS ?? 2_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-bench-gw-"));
  let nats: LocalNatsServer | undefined;
  const natsUrl = process.env.NATS_URL ?? (nats = await startLocalNatsServer({ dataDir })).url;
  // nats-server's pid: the one this benchmark started, or BENCH_NATS_PID for the one at NATS_URL.
  const natsPid = process.env.BENCH_NATS_PID ? Number(process.env.BENCH_NATS_PID) : nats?.process.pid;
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
        headers: { "content-type": "application/json", authorization: `Bearer ${UPSTREAM_API_KEY}` },
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
    await loadInTurns({ direct: targets.direct, gateway: targets.gateway }, 16, Math.max(1, SECONDS / 2), natsPid, sampleRss);

    const rows: Array<{ c: number; direct: LoadFigures; gateway: LoadFigures; bare: LoadFigures }> = [];
    for (const c of CONCURRENCY) {
      console.log(`Load at ${c} connections, ${SECONDS} s per path ...`);
      rows.push({ c, ...(await loadInTurns(targets, c, SECONDS, natsPid, sampleRss)) });
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

    printOverheadReport({ rows, single, singleBare, streams, rss });
  } finally {
    await gateway?.child.stop();
    await bareProxy.child.stop();
    await upstream.child.stop();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
