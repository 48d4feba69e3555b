/**
 * `npm run bench:prompt`: prompt reuse against llama.cpp's `llama-server` on the same model and
 * thread count, in one run with the paths interleaved: (a) 8 conversations of 8 turns, each turn
 * resending the whole history (a ~850-token start, ~80 tokens more a turn); (b) the same prompt sent again; (c) a cold prompt of ~1,400 tokens;
 * (d) workload (a) over 1, 2 and 4 workers (the same 8 slots in all), with the share of turns that
 * landed on the worker holding their prefix. Prints figures and ratios; asserts nothing.
 * `--build-llama-server` builds the anchor from the llama.cpp source node-llama-cpp ships.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultThreads } from "@lantern/inference";
import { repoRoot, startLocalStack, type LocalStack } from "../scripts/local-stack.js";
import { locateLlamaServer, startLlamaServer, type LlamaServer } from "./llama-server.js";
import { lanternDialect, llamaServerDialect, streamPrompt, type Dialect, type PromptResult } from "./prompt-client.js";
import { percentile } from "./stats.js";

const MODEL = "stories260K";
const modelPath = join(repoRoot, "models", `${MODEL}.gguf`);
const threads = Number(process.env.BENCH_THREADS ?? defaultThreads());
const SLOTS = 8;
const CONTEXT = 2048;
const CONVERSATIONS = 8;
const TURNS = 8;
const REPLY_TOKENS = 24;
const COLD_ROUNDS = 5;

// Text that reads like the model's stories but does not repeat, from a fixed seed (about 3.7
// characters a token with the bundled model's vocabulary).
const SENTENCES = [
  "Once upon a time there was a little girl named Lily.",
  "She loved to play in the park with her dog Max.",
  "One day the sun was hot and the sky was blue.",
  "Tom found a big red ball under the old tree.",
  "They ran and jumped and laughed all afternoon.",
  "Mom made a cake and everyone was very happy.",
  "The little bird sang a song in the garden.",
  "Ben was sad because he lost his favorite toy.",
  "His friend helped him look for it near the pond.",
  "At night the moon was bright and the stars were shining.",
  "The cat wanted to catch the fish in the bowl.",
  "Sue said thank you and gave her friend a hug.",
];
function prose(chars: number, seed: number): string {
  let state = (seed * 2654435761) % 2147483648 || 1;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
  let text = "";
  while (text.length < chars) text += `${SENTENCES[next() % SENTENCES.length]} `;
  return text.slice(0, chars);
}

// Sized in tokens as the workloads the anchor was first measured with: a start of ~850 tokens,
// ~80 more a turn, and a cold prompt of ~1,400, all within the model's 2,048-token context.
const SHARED_START = prose(2_300, 7);
const TURN_CHARS = 220;
const COLD_CHARS = 3_750;

interface Path {
  name: string;
  baseUrl: string;
  dialect: Dialect;
}

interface ConversationFigures {
  firstTurn: number[];
  laterTurns: number[];
  cached: number;
  prompt: number;
  /** Turns after the first served by the worker that served the one before (which holds its prefix). */
  onHolder: number;
  laterCount: number;
  lastPrompts: string[];
}

const emptyFigures = (): ConversationFigures => ({ firstTurn: [], laterTurns: [], cached: 0, prompt: 0, onHolder: 0, laterCount: 0, lastPrompts: [] });

/** Workload (a) on several paths, turn by turn, so machine drift falls on every path alike. */
async function conversations(paths: Path[]): Promise<Map<string, ConversationFigures>> {
  const figures = new Map(paths.map((p) => [p.name, emptyFigures()]));
  const state = new Map(paths.map((p) => [p.name, Array.from({ length: CONVERSATIONS }, (_, i) => ({ prompt: `${SHARED_START}\nConversation ${i}. `, worker: "" }))]));
  for (let turn = 0; turn < TURNS; turn++) {
    for (const path of paths) {
      const f = figures.get(path.name)!;
      const convs = state.get(path.name)!;
      await Promise.all(
        convs.map(async (conv, i) => {
          conv.prompt += `${prose(TURN_CHARS, 1_000 * i + turn)}\n`;
          const r: PromptResult = await streamPrompt(path.baseUrl, path.dialect, conv.prompt, REPLY_TOKENS, 100 + i);
          if (turn === 0) f.firstTurn.push(r.ttft);
          else {
            f.laterTurns.push(r.ttft);
            f.cached += r.cachedTokens;
            f.prompt += r.promptTokens;
            f.laterCount++;
            if (r.worker && r.worker === conv.worker) f.onHolder++;
          }
          conv.worker = r.worker;
          if (turn === TURNS - 1) f.lastPrompts[i] = conv.prompt;
          conv.prompt += `${r.text}\n`;
        }),
      );
    }
  }
  return figures;
}

/** Workload (b): each conversation's last prompt again, one at a time. */
async function samePromptAgain(path: Path, prompts: string[]): Promise<number[]> {
  const ttfts: number[] = [];
  for (const [i, prompt] of prompts.entries()) ttfts.push((await streamPrompt(path.baseUrl, path.dialect, prompt, REPLY_TOKENS, 100 + i)).ttft);
  return ttfts;
}

/** Workload (c): prompt tokens per second of a prompt nothing has seen, to its first token. */
async function coldPrompt(path: Path, round: number): Promise<number> {
  const r = await streamPrompt(path.baseUrl, path.dialect, `Story ${round}-${Math.random()}: ${prose(COLD_CHARS, 50 + round)}`, 1, 1);
  return (r.promptTokens - r.cachedTokens) / (r.ttft / 1_000);
}

async function startStack(workers: number, dataDir: string): Promise<LocalStack> {
  const stack = await startLocalStack({
    natsUrl: process.env.NATS_URL,
    natsDataDir: dataDir,
    gatewayHost: "127.0.0.1",
    gatewayPort: Number(process.env.BENCH_GATEWAY_PORT ?? 18012),
    workers,
    env: {
      NATS_NAMESPACE: `benchprompt${process.pid}w${workers}`,
      LOG_LEVEL: "warn",
      ...(process.env.BENCH_AFFINITY_MS ? { GATEWAY_PREFIX_AFFINITY_MS: process.env.BENCH_AFFINITY_MS } : {}),
    },
    workerEnv: { INFERENCE_SLOTS: String(SLOTS / workers), INFERENCE_THREADS: String(threads), INFERENCE_CONTEXT_SIZE: String(CONTEXT) },
    onLine: (service, line) => {
      if (/"level":(40|50|60)/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  if (!(await stack.waitReady(120_000))) throw new Error("the stack did not become ready");
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const ready = (await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { workers?: number };
    if (ready.workers === workers) return stack;
  }
  throw new Error(`${workers} workers did not all join`);
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const p = (values: number[], q: number) => percentile(values, q);
const share = (a: number, b: number) => (b > 0 ? `${fmt((100 * a) / b)}%` : "n/a");

/** Workloads (a)-(c) on the full stack beside llama-server as users run it and with flash attention off (as the worker runs this model). */
async function againstAnchor(binary: string | undefined, dataDir: string): Promise<void> {
  const anchors: LlamaServer[] = [];
  let stack: LocalStack | undefined;
  try {
    const paths: Path[] = [];
    if (binary) {
      anchors.push(await startLlamaServer(binary, { modelPath, slots: SLOTS, threads, contextSize: CONTEXT }));
      anchors.push(await startLlamaServer(binary, { modelPath, slots: SLOTS, threads, contextSize: CONTEXT, extraArgs: ["-fa", "off"] }));
      paths.push({ name: "llama-server", baseUrl: anchors[0]!.baseUrl, dialect: llamaServerDialect });
      paths.push({ name: "llama-server -fa off", baseUrl: anchors[1]!.baseUrl, dialect: llamaServerDialect });
    }
    stack = await startStack(1, dataDir);
    paths.push({ name: "lantern", baseUrl: stack.baseUrl, dialect: lanternDialect(MODEL) });
    console.log(`Model ${MODEL}, ${threads} thread(s), ${SLOTS} slots of ${CONTEXT} tokens; llama-server: ${binary ?? "none"}\n`);
    // Warm every path (the first request of a process pays for its start-up).
    for (const path of paths) await streamPrompt(path.baseUrl, path.dialect, "Once upon a time", 4, 1);

    const convs = await conversations(paths);
    const again = new Map<string, number[]>();
    const cold = new Map<string, number[]>(paths.map((path) => [path.name, []]));
    for (const path of paths) again.set(path.name, await samePromptAgain(path, convs.get(path.name)!.lastPrompts));
    for (let round = 0; round < COLD_ROUNDS; round++) for (const path of paths) cold.get(path.name)!.push(await coldPrompt(path, round));

    console.log("| path | turn 1 TTFT p50 ms | later turns TTFT p50 / p95 ms | cached share | same prompt again p50 / p95 ms | cold prompt tokens/s (median) |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const path of paths) {
      const f = convs.get(path.name)!;
      const a = again.get(path.name)!;
      console.log(
        `| ${path.name} | ${fmt(p(f.firstTurn, 50))} | ${fmt(p(f.laterTurns, 50), 1)} / ${fmt(p(f.laterTurns, 95), 1)} | ${share(f.cached, f.prompt)} | ${fmt(p(a, 50), 1)} / ${fmt(p(a, 95), 1)} | ${fmt(p(cold.get(path.name)!, 50))} |`,
      );
    }
    const ours = convs.get("lantern")!;
    for (const anchor of paths.filter((path) => path.name !== "lantern")) {
      const theirs = convs.get(anchor.name)!;
      console.log(`\n| ratio, lantern / ${anchor.name} | value | target |`);
      console.log("| --- | ---: | --- |");
      console.log(`| later turns TTFT p50 | ${fmt(p(ours.laterTurns, 50) / p(theirs.laterTurns, 50), 2)} | <= 1.2 |`);
      console.log(`| later turns TTFT p95 | ${fmt(p(ours.laterTurns, 95) / p(theirs.laterTurns, 95), 2)} | |`);
      console.log(`| same prompt again TTFT p50 | ${fmt(p(again.get("lantern")!, 50) / p(again.get(anchor.name)!, 50), 2)} | <= 2 |`);
      console.log(`| cold prompt tokens/s | ${fmt(p(cold.get("lantern")!, 50) / p(cold.get(anchor.name)!, 50), 2)} | >= 0.9 |`);
    }
  } finally {
    for (const anchor of anchors) anchor.stop();
    await stack?.stop();
  }
}

/** The gateway's count of jobs offered first to the worker holding their prefix, by who took them. */
async function affinityCounts(baseUrl: string): Promise<{ preferred: number; elsewhere: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const count = (outcome: string) => Number(new RegExp(`lantern_prefix_affinity_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { preferred: count("preferred"), elsewhere: count("elsewhere") };
}

/** Workload (a) over 1, 2 and 4 workers sharing 8 slots, with the share of turns that landed on their prefix's holder. */
async function overWorkers(dataDir: string): Promise<void> {
  console.log(`\nWorkload (a) over several workers (8 slots in all, affinity bound ${process.env.BENCH_AFFINITY_MS ?? "default"} ms):\n`);
  console.log("| workers | later turns TTFT p50 / p95 ms | cached share | turns on the worker holding their prefix | jobs offered to a holder: taken by it / by another |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  let oneWorkerP95 = Number.NaN;
  for (const workers of (process.env.BENCH_WORKERS ?? "1,2,4").split(",").map(Number)) {
    const stack = await startStack(workers, dataDir);
    try {
      await streamPrompt(stack.baseUrl, lanternDialect(MODEL), "Once upon a time", 4, 1);
      const f = (await conversations([{ name: "lantern", baseUrl: stack.baseUrl, dialect: lanternDialect(MODEL) }])).get("lantern")!;
      if (workers === 1) oneWorkerP95 = p(f.laterTurns, 95);
      const ratio = workers > 1 ? ` (p95 ${fmt(p(f.laterTurns, 95) / oneWorkerP95, 2)}x one worker's)` : "";
      const offered = await affinityCounts(stack.baseUrl);
      console.log(
        `| ${workers} | ${fmt(p(f.laterTurns, 50), 1)} / ${fmt(p(f.laterTurns, 95), 1)}${ratio} | ${share(f.cached, f.prompt)} | ${share(f.onHolder, f.laterCount)} | ${offered.preferred} / ${offered.elsewhere} |`,
      );
    } finally {
      await stack.stop();
    }
  }
}

const parts = (process.env.BENCH_PARTS ?? "anchor,workers").split(",");
const binary = parts.includes("anchor") ? locateLlamaServer({ build: process.argv.includes("--build-llama-server") }) : undefined;
if (parts.includes("anchor") && !binary) console.log("No llama-server (LLAMA_SERVER, PATH or .data/llama.cpp): its columns are skipped. `--build-llama-server` builds one.\n");
const dataDir = mkdtempSync(join(tmpdir(), "lantern-bench-prompt-"));
try {
  if (parts.includes("anchor")) await againstAnchor(binary, dataDir);
  if (parts.includes("workers")) await overWorkers(dataDir);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
