/**
 * `pnpm bench`: the same generation (256 tokens, temperature 0, fixed seed) on bare
 * node-llama-cpp in this process (a) and through gateway + NATS + worker over HTTP streaming (b),
 * at 1 and 8 concurrent streams, with (a) and (b) rounds interleaved so that machine noise hits
 * both alike; then thread and slot sweeps. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { defaultThreads } from "@lantern/inference";
import { repoRoot, startLocalStack, type LocalStack } from "../scripts/local-stack.js";
import { BareEngine, type GenerationSpec, type Round } from "./bare-llama.js";
import { streamCompletion } from "./http-client.js";
import { rssMiB, summarize, type RunFigures } from "./stats.js";

const MODEL = "stories260K";
const modelPath = join(repoRoot, "models", `${MODEL}.gguf`);
const spec: GenerationSpec = { prompt: "Once upon a time", tokens: Number(process.env.BENCH_TOKENS ?? 256), seed: 1 };
const threads = defaultThreads();
const CONCURRENCY = [1, 8];
const ROUNDS: Record<number, number> = { 1: 12, 8: 5 };
const SLOTS = Math.max(...CONCURRENCY);

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

async function stackRound(stack: LocalStack, concurrency: number, s: GenerationSpec): Promise<Round> {
  const body = { model: MODEL, prompt: s.prompt, max_tokens: s.tokens, temperature: 0, seed: s.seed };
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: concurrency }, () => streamCompletion(stack.baseUrl, body)));
  return { wallMs: performance.now() - started, tokens: results.reduce((sum, x) => sum + x.tokens, 0), ttfts: results.map((x) => x.ttft) };
}

async function compare() {
  const bare = await BareEngine.load(modelPath, threads, SLOTS);
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-bench-"));
  const stack = await startLocalStack({
    natsUrl: process.env.NATS_URL,
    natsDataDir: dataDir,
    gatewayHost: "127.0.0.1",
    gatewayPort: Number(process.env.BENCH_GATEWAY_PORT ?? 18002),
    env: { NATS_NAMESPACE: `bench${process.pid}`, LOG_LEVEL: "warn" },
    workerEnv: {
      INFERENCE_SLOTS: String(SLOTS),
      INFERENCE_THREADS: String(threads),
      ...(process.env.BENCH_FLUSH_MS ? { INFERENCE_STREAM_FLUSH_MS: process.env.BENCH_FLUSH_MS } : {}),
    },
    onLine: (service, line) => {
      if (/"level":(40|50|60)/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  const results = new Map<number, { a: RunFigures; b: RunFigures }>();
  const rss: Record<string, number> = {};
  try {
    if (!(await stack.waitReady(120_000))) throw new Error("the stack did not become ready");
    for (const concurrency of CONCURRENCY) {
      const warm = { ...spec, tokens: 16 };
      await bare.round(concurrency, warm);
      await stackRound(stack, concurrency, warm);
      const a: Round[] = [];
      const b: Round[] = [];
      for (let r = 0; r < ROUNDS[concurrency]!; r++) {
        a.push(await bare.round(concurrency, spec));
        b.push(await stackRound(stack, concurrency, spec));
        for (const p of stack.processes) rss[p.name] = Math.max(rss[p.name] ?? 0, rssMiB(p.child.pid!));
      }
      results.set(concurrency, { a: summarize(a), b: summarize(b) });
    }
  } finally {
    await stack.stop();
    await bare.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { results, rss };
}

async function threadSweep() {
  const out = [];
  for (const t of [...new Set([1, 2, 4, availableParallelism()])].sort((x, y) => x - y)) {
    const engine = await BareEngine.load(modelPath, t, 1);
    const round = await engine.round(1, { ...spec, tokens: 64 }, 15_000);
    await engine.close();
    out.push({ threads: t, tokensPerSecond: summarize([round]).tokensPerSecond });
  }
  return out;
}

async function slotSweep() {
  const out = [];
  for (const slots of [1, 2, 4, 8, 16]) {
    const engine = await BareEngine.load(modelPath, threads, slots);
    const rounds = [await engine.round(slots, spec), await engine.round(slots, spec)];
    await engine.close();
    out.push({ slots, tokensPerSecond: summarize(rounds).tokensPerSecond });
  }
  return out;
}

console.log(
  `Lantern throughput benchmark: ${MODEL}, ${spec.tokens} tokens, temperature 0, seed ${spec.seed}, ` +
    `threads ${threads}, worker slots ${SLOTS}, ${availableParallelism()} cores`,
);
const { results, rss } = await compare();
console.log("\n| streams | path | tokens/s | TTFT p50 ms | TTFT p95 ms |");
console.log("| --- | --- | ---: | ---: | ---: |");
for (const [c, { a, b }] of results) {
  console.log(`| ${c} | (a) bare node-llama-cpp | ${fmt(a.tokensPerSecond, 0)} | ${fmt(a.ttftP50, 2)} | ${fmt(a.ttftP95, 2)} |`);
  console.log(`| ${c} | (b) gateway + NATS + worker, HTTP SSE | ${fmt(b.tokensPerSecond, 0)} | ${fmt(b.ttftP50, 2)} | ${fmt(b.ttftP95, 2)} |`);
}
console.log("\n| streams | (b)/(a) tokens/s | added TTFT p50 ms |");
console.log("| --- | ---: | ---: |");
for (const [c, { a, b }] of results) {
  console.log(`| ${c} | ${fmt(b.tokensPerSecond / a.tokensPerSecond, 3)} | ${fmt(b.ttftP50 - a.ttftP50, 2)} |`);
}
console.log(`\nPeak RSS during the run: gateway ${fmt(rss.gateway ?? NaN)} MiB, worker ${fmt(rss.inference ?? NaN)} MiB`);

if (process.env.BENCH_SKIP_SWEEP !== "1") {
  console.log("\nThread sweep (bare node-llama-cpp, 1 stream, 64 tokens, capped at 15 s):");
  console.log("| threads | tokens/s |");
  console.log("| ---: | ---: |");
  for (const row of await threadSweep()) console.log(`| ${row.threads} | ${fmt(row.tokensPerSecond, 1)} |`);
  console.log(`\nSlot sweep (bare node-llama-cpp, one context, every slot busy, ${spec.tokens} tokens each, threads ${threads}):`);
  console.log("| slots | aggregate tokens/s | per stream |");
  console.log("| ---: | ---: | ---: |");
  for (const row of await slotSweep()) console.log(`| ${row.slots} | ${fmt(row.tokensPerSecond, 0)} | ${fmt(row.tokensPerSecond / row.slots, 0)} |`);
}
