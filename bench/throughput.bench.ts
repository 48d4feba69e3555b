/**
 * `pnpm bench`: the same generation (256 tokens, temperature 0, fixed seed) on bare
 * node-llama-cpp in this process, (a) with one context holding a sequence per stream and (a')
 * with the worker's own context layout, and (b) through gateway + NATS + worker over HTTP
 * streaming, at 1 and 8 concurrent streams, with the rounds interleaved so that machine noise hits
 * every path alike; then thread and slot/context sweeps. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { defaultContexts, defaultThreads, evaluationSettings, modelHeadSize } from "@lantern/inference";
import { repoRoot, startLocalStack, type LocalStack } from "../scripts/local-stack.js";
import { BareEngine, type GenerationSpec, type Round } from "./bare-llama.js";
import { locateLlamaServer, measureLlamaServer } from "./llama-server.js";
import { streamCompletion } from "./http-client.js";
import { rssMiB, summarize, type RunFigures } from "./stats.js";

const MODEL = "stories260K";
const modelPath = join(repoRoot, "models", `${MODEL}.gguf`);
const spec: GenerationSpec = { prompt: "Once upon a time", tokens: Number(process.env.BENCH_TOKENS ?? 256), seed: 1 };
const threads = defaultThreads();
const CONCURRENCY = [1, 8];
const ROUNDS: Record<number, number> = { 1: 24, 8: 10 };
const SLOTS = Math.max(...CONCURRENCY);
const WORKER_CONTEXTS = defaultContexts("cpu", threads, SLOTS);

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

async function stackRound(stack: LocalStack, concurrency: number, s: GenerationSpec): Promise<Round> {
  const body = { model: MODEL, prompt: s.prompt, max_tokens: s.tokens, temperature: 0, seed: s.seed };
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: concurrency }, () => streamCompletion(stack.baseUrl, body)));
  return { wallMs: performance.now() - started, tokens: results.reduce((sum, x) => sum + x.tokens, 0), ttfts: results.map((x) => x.ttft) };
}

async function compare() {
  const bare = await BareEngine.load(modelPath, threads, SLOTS, 1);
  // The worker's own layout and evaluation settings (flash attention, batch size) for this model.
  const workerEvaluation = evaluationSettings("cpu", { flashAttention: "auto", batchSize: 0 }, await modelHeadSize(modelPath));
  const bareLikeWorker = await BareEngine.load(modelPath, threads, SLOTS, WORKER_CONTEXTS, workerEvaluation);
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
  const results = new Map<number, { a: RunFigures; aw: RunFigures; b: RunFigures }>();
  const rss: Record<string, number> = {};
  try {
    if (!(await stack.waitReady(120_000))) throw new Error("the stack did not become ready");
    for (const concurrency of CONCURRENCY) {
      const warm = { ...spec, tokens: 16 };
      await bare.round(concurrency, warm);
      await bareLikeWorker.round(concurrency, warm);
      await stackRound(stack, concurrency, warm);
      const a: Round[] = [];
      const aw: Round[] = [];
      const b: Round[] = [];
      for (let r = 0; r < ROUNDS[concurrency]!; r++) {
        a.push(await bare.round(concurrency, spec));
        aw.push(await bareLikeWorker.round(concurrency, spec));
        b.push(await stackRound(stack, concurrency, spec));
        for (const p of stack.processes) rss[p.name] = Math.max(rss[p.name] ?? 0, rssMiB(p.child.pid!));
      }
      results.set(concurrency, { a: summarize(a), aw: summarize(aw), b: summarize(b) });
    }
  } finally {
    await stack.stop();
    await bare.close();
    await bareLikeWorker.close();
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
    const row = { slots, oneContext: 0, contextPerSlot: 0 };
    for (const layout of ["oneContext", "contextPerSlot"] as const) {
      const engine = await BareEngine.load(modelPath, threads, slots, layout === "oneContext" ? 1 : slots);
      const rounds = [await engine.round(slots, spec), await engine.round(slots, spec)];
      await engine.close();
      row[layout] = summarize(rounds).tokensPerSecond;
    }
    out.push(row);
  }
  return out;
}

console.log(
  `Lantern throughput benchmark: ${MODEL}, ${spec.tokens} tokens, temperature 0, seed ${spec.seed}, ` +
    `threads ${threads}, worker slots ${SLOTS} over ${WORKER_CONTEXTS} context(s), ${availableParallelism()} cores`,
);
const { results, rss } = await compare();
console.log("\n| streams | path | tokens/s | TTFT p50 ms | TTFT p95 ms |");
console.log("| --- | --- | ---: | ---: | ---: |");
const row = (c: number, path: string, f: RunFigures) =>
  console.log(`| ${c} | ${path} | ${fmt(f.tokensPerSecond, 0)} | ${fmt(f.ttftP50, 2)} | ${fmt(f.ttftP95, 2)} |`);
for (const [c, { a, aw, b }] of results) {
  row(c, "(a) bare node-llama-cpp, one context", a);
  row(c, `(a') bare node-llama-cpp, worker layout (${WORKER_CONTEXTS} contexts) and evaluation settings`, aw);
  row(c, "(b) gateway + NATS + worker, HTTP SSE", b);
}
console.log("\n| streams | (b)/(a) tokens/s | (b)/(a') tokens/s | added TTFT p50 ms vs (a) | vs (a') |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [c, { a, aw, b }] of results) {
  console.log(`| ${c} | ${fmt(b.tokensPerSecond / a.tokensPerSecond, 3)} | ${fmt(b.tokensPerSecond / aw.tokensPerSecond, 3)} | ${fmt(b.ttftP50 - a.ttftP50, 2)} | ${fmt(b.ttftP50 - aw.ttftP50, 2)} |`);
}
const llamaServer = locateLlamaServer();
const eight = results.get(8);
if (!llamaServer) {
  console.log("\nllama-server is not on PATH: the comparison with one llama.cpp server process is skipped.");
} else if (eight) {
  const ref = await measureLlamaServer(llamaServer, { modelPath, streams: 8, threads, prompt: spec.prompt, tokens: spec.tokens, rounds: ROUNDS[8]! });
  console.log(`\n8 streams: llama-server (${llamaServer}, one process, 8 slots, ${threads} thread(s)) ${fmt(ref.tokensPerSecond, 0)} tokens/s;`);
  console.log(`the full stack (b) ${fmt(eight.b.tokensPerSecond, 0)} tokens/s, ratio ${fmt(eight.b.tokensPerSecond / ref.tokensPerSecond, 3)}.`);
}
console.log(`\nPeak RSS during the run: gateway ${fmt(rss.gateway ?? NaN)} MiB, worker ${fmt(rss.inference ?? NaN)} MiB`);

if (process.env.BENCH_SKIP_SWEEP !== "1") {
  console.log("\nThread sweep (bare node-llama-cpp, 1 stream, 64 tokens, capped at 15 s):");
  console.log("| threads | tokens/s |");
  console.log("| ---: | ---: |");
  for (const row of await threadSweep()) console.log(`| ${row.threads} | ${fmt(row.tokensPerSecond, 1)} |`);
  console.log(`\nSlot sweep (bare node-llama-cpp, every slot busy, ${spec.tokens} tokens each, threads ${threads}), aggregate tokens/s:`);
  console.log("| slots | one context | a context per slot | ratio |");
  console.log("| ---: | ---: | ---: | ---: |");
  for (const r of await slotSweep()) {
    console.log(`| ${r.slots} | ${fmt(r.oneContext, 0)} | ${fmt(r.contextPerSlot, 0)} | ${fmt(r.contextPerSlot / r.oneContext, 2)} |`);
  }
}
