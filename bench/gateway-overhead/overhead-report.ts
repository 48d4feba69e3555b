// Prints the gateway benchmark's figures beside its targets and a well-known gateway's; asserts nothing.
import { type StreamTiming } from "../request-timing.js";
import { percentile } from "../stats.js";
import { type LoadFigures } from "./load-turns.js";

const TARGETS = { throughputRatio64: 0.35, p50AddedMs: 0.5, firstChunkAddedMs: 2, perChunkAddedUs: 5 };
const REFERENCE = { throughputRatio64: 0.05, p50AddedMs: 1.2, firstChunkAddedMs: 30, perChunkAddedUs: 14 };

export interface OverheadResults {
  rows: Array<{ c: number; direct: LoadFigures; gateway: LoadFigures; bare: LoadFigures }>;
  /** Milliseconds per request, one at a time. */
  single: { direct: number[]; gateway: number[] };
  singleBare: number[];
  streams: { direct: StreamTiming[]; gateway: StreamTiming[] };
  /** The gateway's resident memory in MiB. */
  rss: { idle: number; peak: number; after5s: number; after30s: number };
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const signed = (n: number, digits: number) => (n >= 0 ? `+${fmt(n, digits)}` : fmt(n, digits));
const verdict = (ok: boolean) => (ok ? "meets" : "misses");

function printLoadTables(rows: OverheadResults["rows"]): void {
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
}

export function printOverheadReport({ rows, single, singleBare, streams, rss }: OverheadResults): void {
  const sp = (xs: number[], p: number) => percentile(xs, p);
  const firstChunk = (xs: StreamTiming[]) => sp(xs.map((x) => x.firstChunkMs), 50);
  const perChunk = (xs: StreamTiming[]) => sp(xs.map((x) => x.perChunkUs), 50);
  const chunks = streams.gateway[0]?.chunks ?? 0;

  printLoadTables(rows);
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
}
