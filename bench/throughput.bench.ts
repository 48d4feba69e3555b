/**
 * `pnpm bench`: the same generation (256 tokens, temperature 0, fixed seed) on bare
 * node-llama-cpp in this process and through gateway + NATS + worker over HTTP streaming, at 1
 * and 8 concurrent streams; then a thread-count sweep. Prints figures; asserts nothing.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { defaultThreads } from "@lantern/inference";
import { repoRoot, startLocalStack } from "../scripts/local-stack.js";
import { runBare } from "./bare-llama.js";
import { streamCompletion } from "./http-client.js";
import { rssMiB, summarize, type RunFigures } from "./stats.js";

const MODEL = "stories260K";
const modelPath = join(repoRoot, "models", `${MODEL}.gguf`);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 256);
const SEED = 1;
const PROMPT = "Once upon a time";
const threads = defaultThreads();
const CONCURRENCY = [1, 8];
const ROUNDS: Record<number, number> = { 1: 10, 8: 4 };

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

async function bare(concurrency: number): Promise<RunFigures> {
  await runBare({ modelPath, threads, concurrency, tokens: 16, rounds: 1, prompt: PROMPT, seed: SEED }); // warm-up
  return summarize(await runBare({ modelPath, threads, concurrency, tokens: TOKENS, rounds: ROUNDS[concurrency]!, prompt: PROMPT, seed: SEED }));
}

async function throughStack(): Promise<{ figures: Map<number, RunFigures>; rss: Record<string, number> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-bench-"));
  const stack = await startLocalStack({
    natsUrl: process.env.NATS_URL,
    natsDataDir: dataDir,
    gatewayHost: "127.0.0.1",
    gatewayPort: Number(process.env.BENCH_GATEWAY_PORT ?? 18002),
    env: { NATS_NAMESPACE: `bench${process.pid}`, LOG_LEVEL: "warn" },
    workerEnv: { INFERENCE_SLOTS: String(Math.max(...CONCURRENCY)), INFERENCE_THREADS: String(threads) },
    onLine: (service, line) => {
      if (/"level":(40|50|60)/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  const figures = new Map<number, RunFigures>();
  const rss: Record<string, number> = {};
  try {
    if (!(await stack.waitReady(120_000))) throw new Error("stack did not become ready");
    const body = { model: MODEL, prompt: PROMPT, max_tokens: TOKENS, temperature: 0, seed: SEED };
    for (const concurrency of CONCURRENCY) {
      await Promise.all(Array.from({ length: concurrency }, () => streamCompletion(stack.baseUrl, { ...body, max_tokens: 16 })));
      const rounds = [];
      for (let r = 0; r < ROUNDS[concurrency]!; r++) {
        const started = performance.now();
        const results = await Promise.all(Array.from({ length: concurrency }, () => streamCompletion(stack.baseUrl, body)));
        rounds.push({ wallMs: performance.now() - started, tokens: results.reduce((s, x) => s + x.tokens, 0), ttfts: results.map((x) => x.ttft) });
      }
      figures.set(concurrency, summarize(rounds));
      for (const p of stack.processes) rss[p.name] = Math.max(rss[p.name] ?? 0, rssMiB(p.child.pid!));
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { figures, rss };
}

async function threadSweep(): Promise<Array<{ threads: number; tokensPerSecond: number }>> {
  const candidates = [...new Set([1, 2, 4, availableParallelism()])].sort((a, b) => a - b);
  const out = [];
  for (const t of candidates) {
    const rounds = await runBare({ modelPath, threads: t, concurrency: 1, tokens: 64, rounds: 1, prompt: PROMPT, seed: SEED, roundLimitMs: 15_000 });
    out.push({ threads: t, tokensPerSecond: summarize(rounds).tokensPerSecond });
  }
  return out;
}

console.log(`Lantern throughput benchmark: ${MODEL}, ${TOKENS} tokens, temperature 0, seed ${SEED}, threads ${threads}, ${availableParallelism()} cores`);
const bareFigures = new Map<number, RunFigures>();
for (const c of CONCURRENCY) bareFigures.set(c, await bare(c));
const stack = await throughStack();

console.log("\n| streams | path | tokens/s | TTFT p50 ms | TTFT p95 ms |");
console.log("| --- | --- | ---: | ---: | ---: |");
for (const c of CONCURRENCY) {
  const a = bareFigures.get(c)!;
  const b = stack.figures.get(c)!;
  console.log(`| ${c} | (a) bare node-llama-cpp | ${fmt(a.tokensPerSecond, 0)} | ${fmt(a.ttftP50, 2)} | ${fmt(a.ttftP95, 2)} |`);
  console.log(`| ${c} | (b) gateway + NATS + worker, HTTP SSE | ${fmt(b.tokensPerSecond, 0)} | ${fmt(b.ttftP50, 2)} | ${fmt(b.ttftP95, 2)} |`);
}
console.log("\n| streams | (b)/(a) tokens/s | added TTFT p50 ms |");
console.log("| --- | ---: | ---: |");
for (const c of CONCURRENCY) {
  const a = bareFigures.get(c)!;
  const b = stack.figures.get(c)!;
  console.log(`| ${c} | ${fmt(b.tokensPerSecond / a.tokensPerSecond, 3)} | ${fmt(b.ttftP50 - a.ttftP50, 2)} |`);
}
console.log(`\nPeak RSS: gateway ${fmt(stack.rss.gateway ?? NaN)} MiB, worker ${fmt(stack.rss.inference ?? NaN)} MiB`);

if (process.env.BENCH_SKIP_SWEEP !== "1") {
  console.log("\nThread sweep (bare node-llama-cpp, 1 stream, 64 tokens, rounds capped at 15 s):");
  console.log("| threads | tokens/s |");
  console.log("| ---: | ---: |");
  for (const row of await threadSweep()) console.log(`| ${row.threads} | ${fmt(row.tokensPerSecond, 1)} |`);
}
