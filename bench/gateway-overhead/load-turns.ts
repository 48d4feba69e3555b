// Load on the benchmark's paths (autocannon), taken in turns, with the CPU time it cost each process.
import autocannon from "autocannon";
import { type Target } from "../request-timing.js";
import { cpuSeconds, machineBusySeconds, overTree, percentile } from "../stats.js";
import { body } from "./bench-fixture.js";

const LOAD_BLOCK_SECONDS = 1;

export interface LoadFigures {
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

/** What one block of load on one path came to: sums, so blocks add up. */
interface LoadBlock {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  failures: number;
  cpu: { serving: number; machine: number; loadGen: number; nats: number };
}

async function loadBlock(target: Target, connections: number, seconds: number, natsPid: number | undefined): Promise<LoadBlock> {
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
 * `natsPid`: nats-server's, for its share of the CPU time (NaN figures where it is not known).
 */
export async function loadInTurns<P extends string>(
  targets: Record<P, Target>,
  connections: number,
  seconds: number,
  natsPid: number | undefined,
  sampleRss?: () => void,
) {
  const paths = Object.keys(targets) as P[];
  const blocks = Object.fromEntries(paths.map((p) => [p, [] as LoadBlock[]])) as Record<P, LoadBlock[]>;
  const timer = sampleRss ? setInterval(sampleRss, 250) : undefined;
  try {
    for (let done = 0; done < seconds; done += LOAD_BLOCK_SECONDS) {
      for (const p of paths) blocks[p].push(await loadBlock(targets[p], connections, Math.min(LOAD_BLOCK_SECONDS, seconds - done), natsPid));
    }
  } finally {
    clearInterval(timer);
  }
  return Object.fromEntries(paths.map((p) => [p, loadFigures(blocks[p])])) as Record<P, LoadFigures>;
}

/** Alternates the two targets in blocks, so machine noise falls on both alike. */
export async function interleaved<T>(total: number, block: number, run: (target: "direct" | "gateway") => Promise<T>) {
  const out = { direct: [] as T[], gateway: [] as T[] };
  for (let done = 0; done < total; done += block) {
    for (let i = 0; i < block; i++) out.direct.push(await run("direct"));
    for (let i = 0; i < block; i++) out.gateway.push(await run("gateway"));
  }
  return out;
}
