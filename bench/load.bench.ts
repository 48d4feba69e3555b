/**
 * `pnpm bench:load`: the whole stack (gateway, worker, admin with the orchestrator, NATS) on the bundled
 * model under a closed loop of streamed completions at rising concurrency, until throughput stops
 * growing. Per level: requests/s, tokens/s, p50/p99 time to first token and latency, errors, and the
 * RSS of each process; then RSS once the load has ended, and again after the top level is run a
 * second time (kept memory that grows with each burst would be a leak). Prints a markdown table (the one in
 * docs/performance.md); asserts nothing.
 *
 * Settings: LOAD_SECONDS per level (10), LOAD_LEVELS ("1,2,4,8,16,32,64"), LOAD_TOKENS per request
 * (32), LOAD_SLOTS for the worker (8), NATS_URL (else a private nats-server).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { defaultThreads } from "@lantern/inference";
import { buildCheckout, currentCheckoutBuild } from "../scripts/build-checkout.mjs";
import { startLocalStack, type LocalStack } from "../scripts/local-stack.js";
import { streamCompletion } from "./http-client.js";
import { percentile, rssMiB } from "./stats.js";

const MODEL = "stories260K";
const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const LEVELS = (process.env.LOAD_LEVELS ?? "1,2,4,8,16,32,64").split(",").map(Number);
const TOKENS = Number(process.env.LOAD_TOKENS ?? 32);
const SLOTS = Number(process.env.LOAD_SLOTS ?? 8);
/** A level that adds less than this share of throughput over the best so far counts as saturated. */
const SATURATION_GAIN = 0.05;

interface LevelFigures {
  concurrency: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  tokensPerSecond: number;
  ttftP50: number;
  ttftP99: number;
  latencyP50: number;
  latencyP99: number;
  rssPeak: Record<string, number>;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

function rssOfAll(stack: LocalStack): Record<string, number> {
  return Object.fromEntries(stack.processes.map((p) => [p.name, rssMiB(p.child.pid!)]));
}

/** `concurrency` clients, each sending its next request as soon as the last one ends, for `seconds`. */
async function runLevel(stack: LocalStack, concurrency: number, seconds: number): Promise<LevelFigures> {
  const ttfts: number[] = [];
  const latencies: number[] = [];
  let tokens = 0;
  let errors = 0;
  const rssPeak: Record<string, number> = {};
  const sampler = setInterval(() => {
    for (const [name, mib] of Object.entries(rssOfAll(stack))) rssPeak[name] = Math.max(rssPeak[name] ?? 0, mib);
  }, 250);
  const started = performance.now();
  const until = started + seconds * 1000;
  let seed = 0;
  const client = async () => {
    while (performance.now() < until) {
      try {
        const result = await streamCompletion(stack.baseUrl, { model: MODEL, prompt: "Once upon a time", max_tokens: TOKENS, temperature: 0.8, seed: seed++ });
        ttfts.push(result.ttft);
        latencies.push(result.latency);
        tokens += result.tokens;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  clearInterval(sampler);
  const wallS = (performance.now() - started) / 1000;
  return {
    concurrency,
    requests: latencies.length,
    errors,
    requestsPerSecond: latencies.length / wallS,
    tokensPerSecond: tokens / wallS,
    ttftP50: percentile(ttfts, 50),
    ttftP99: percentile(ttfts, 99),
    latencyP50: percentile(latencies, 50),
    latencyP99: percentile(latencies, 99),
    rssPeak,
  };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-load-"));
  const threads = defaultThreads();
  const stack = await startLocalStack({
    natsUrl: process.env.NATS_URL,
    natsDataDir: join(dataDir, "nats"),
    gatewayHost: "127.0.0.1",
    gatewayPort: Number(process.env.BENCH_GATEWAY_PORT ?? 18012),
    // As `npm start` runs them: built JavaScript, admin and the orchestrator in one process on one embedded database.
    admin: { host: "127.0.0.1", port: Number(process.env.BENCH_ADMIN_PORT ?? 18011), dataDir },
    orchestrator: { dataDir },
    builtDir: currentCheckoutBuild() ?? (await buildCheckout()),
    env: { NATS_NAMESPACE: `load${process.pid}`, LOG_LEVEL: "warn", GATEWAY_QUEUE_LIMIT: "0" },
    workerEnv: { INFERENCE_SLOTS: String(SLOTS), INFERENCE_THREADS: String(threads) },
    onLine: (service, line) => {
      if (/"level":(50|60)/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  try {
    if (!(await stack.waitReady(180_000))) throw new Error("the stack did not become ready");
    await runLevel(stack, 2, 2); // warm-up: model pages, JIT, connections
    await sleep(3_000);
    const before = rssOfAll(stack);
    const levels: LevelFigures[] = [];
    let best = 0;
    let saturatedAt: number | undefined;
    let flatLevels = 0;
    for (const concurrency of LEVELS) {
      const figures = await runLevel(stack, concurrency, SECONDS);
      levels.push(figures);
      console.error(
        `c=${concurrency}: ${fmt(figures.requestsPerSecond)} req/s, ${fmt(figures.tokensPerSecond)} tok/s, ttft p50 ${fmt(figures.ttftP50)} ms, errors ${figures.errors}`,
      );
      if (best > 0 && figures.requestsPerSecond < best * (1 + SATURATION_GAIN)) {
        saturatedAt ??= concurrency;
        // Two levels without gain show the plateau; more would only queue.
        if (++flatLevels >= 2) break;
      } else {
        saturatedAt = undefined;
        flatLevels = 0;
      }
      best = Math.max(best, figures.requestsPerSecond);
    }
    // The gateway collects once it has been idle a moment; give every process that long.
    await sleep(8_000);
    const after = rssOfAll(stack);
    // The top level once more: memory kept after a burst is only a leak if each burst adds to it.
    const top = levels.at(-1)!.concurrency;
    console.error(`c=${top} again, to see whether a second burst keeps more`);
    await runLevel(stack, top, SECONDS);
    await sleep(8_000);
    const afterAgain = rssOfAll(stack);

    const names = stack.processes.map((p) => p.name);
    const lines = [
      `Load: streamed completions of ${TOKENS} tokens on ${MODEL}, closed loop, ${SECONDS} s per level, worker ${SLOTS} slots, ${threads} thread(s).`,
      "",
      "| clients | requests | errors | req/s | tokens/s | TTFT p50 ms | TTFT p99 ms | latency p50 ms | latency p99 ms | " + names.map((n) => `${n} RSS MiB`).join(" | ") + " |",
      "|" + " ---: |".repeat(9 + names.length),
      ...levels.map(
        (l) =>
          `| ${l.concurrency} | ${l.requests} | ${l.errors} | ${fmt(l.requestsPerSecond)} | ${fmt(l.tokensPerSecond)} | ${fmt(l.ttftP50)} | ${fmt(l.ttftP99)} | ${fmt(l.latencyP50)} | ${fmt(l.latencyP99)} | ` +
          names.map((n) => fmt(l.rssPeak[n] ?? Number.NaN, 0)).join(" | ") +
          " |",
      ),
      "",
      `Saturation: ${saturatedAt ? `throughput stops growing at ${saturatedAt} clients` : "not reached within the levels run"}; best ${fmt(best)} req/s.`,
      "",
      `| process | RSS before MiB | peak under load MiB | RSS after MiB | after / before | RSS after ${top} clients again MiB | again / after |`,
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...names.map((n) => {
        const peak = Math.max(...levels.map((l) => l.rssPeak[n] ?? 0));
        return (
          `| ${n} | ${fmt(before[n]!, 0)} | ${fmt(peak, 0)} | ${fmt(after[n]!, 0)} | ${fmt(after[n]! / before[n]!, 2)}x | ` +
          `${fmt(afterAgain[n]!, 0)} | ${fmt(afterAgain[n]! / after[n]!, 2)}x |`
        );
      }),
    ];
    console.log(lines.join("\n"));
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
