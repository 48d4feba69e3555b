/**
 * `pnpm bench:scale`: how the platform's plumbing scales with workers, on the synthetic engine
 * (`INFERENCE_ENGINE=synthetic`: replies on timers at a fixed rate, no model, no CPU spent on
 * inference). For 1, 2, 4 and 8 worker processes, each with 1 and then 8 slots, it fills every slot
 * with one stream and prints the aggregate tokens/s against the ideal (streams x rate). What it
 * measures is NATS, the dispatcher, the reply stream and the gateway: capacity planning for the
 * platform, not model speed (the real-model figures are `pnpm bench`). Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNatsServer, freePort, startLocalNatsServer, type LocalNatsServer } from "@lantern/shared/nats";
import { startLocalStack } from "../scripts/local-stack.js";
import { streamCompletion } from "./http-client.js";
import { percentile } from "./stats.js";

const WORKERS = (process.env.BENCH_WORKERS ?? "1,2,4,8").split(",").map(Number);
const SLOTS = (process.env.BENCH_SLOTS ?? "1,8").split(",").map(Number);
const RATE = Number(process.env.BENCH_SYNTHETIC_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SYNTHETIC_SECONDS ?? 10);
const TOKENS = Math.round(RATE * SECONDS);
const MODEL = "synthetic";

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

interface Row {
  workers: number;
  slots: number;
  streams: number;
  tokensPerSecond: number;
  ideal: number;
  ttftP50: number;
  ttftP95: number;
}

async function waitForWorkers(baseUrl: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const ready = (await (await fetch(`${baseUrl}/readyz`)).json()) as { workers?: number };
      if (ready.workers === count) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${count} workers did not come up within ${timeoutMs} ms`);
}

async function measure(natsUrl: string, workers: number, slots: number): Promise<Row> {
  const stack = await startLocalStack({
    natsUrl,
    natsDataDir: "",
    gatewayHost: "127.0.0.1",
    gatewayPort: await freePort(),
    workers,
    env: { NATS_NAMESPACE: `scale${process.pid}w${workers}s${slots}`, LOG_LEVEL: "warn", GATEWAY_QUEUE_LIMIT: "0" },
    workerEnv: {
      INFERENCE_ENGINE: "synthetic",
      INFERENCE_SYNTHETIC_MODEL: MODEL,
      INFERENCE_SYNTHETIC_TOKENS_PER_S: String(RATE),
      INFERENCE_SLOTS: String(slots),
    },
    onLine: (service, line) => {
      if (/"level":(40|50|60)/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  try {
    await waitForWorkers(stack.baseUrl, workers, 120_000);
    const streams = workers * slots;
    const body = { model: MODEL, prompt: "Once upon a time", max_tokens: TOKENS };
    // A short warm-up: connections, consumers and JIT, outside the measurement.
    await Promise.all(Array.from({ length: streams }, () => streamCompletion(stack.baseUrl, { ...body, max_tokens: 2 })));
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: streams }, () => streamCompletion(stack.baseUrl, body)));
    const wallMs = performance.now() - started;
    const tokens = results.reduce((sum, r) => sum + r.tokens, 0);
    const ttfts = results.map((r) => r.ttft);
    return {
      workers,
      slots,
      streams,
      tokensPerSecond: (tokens / wallMs) * 1000,
      ideal: streams * RATE,
      ttftP50: percentile(ttfts, 50),
      ttftP95: percentile(ttfts, 95),
    };
  } finally {
    await stack.stop();
  }
}

async function main() {
  let nats: LocalNatsServer | undefined;
  let dataDir: string | undefined;
  let natsUrl = process.env.NATS_URL;
  if (!natsUrl) {
    if (!findNatsServer()) throw new Error("nats-server is not on PATH and NATS_URL is not set");
    dataDir = mkdtempSync(join(tmpdir(), "lantern-scale-"));
    nats = await startLocalNatsServer({ dataDir, port: await freePort() });
    natsUrl = nats.url;
  }
  console.log(
    `Synthetic engine: ${RATE} tokens/s per stream, ${TOKENS} tokens per stream (${SECONDS} s); every slot holds one stream. ` +
      "Ideal = streams x rate.",
  );
  const rows: Row[] = [];
  try {
    for (const slots of SLOTS) {
      for (const workers of WORKERS) {
        const row = await measure(natsUrl, workers, slots);
        rows.push(row);
        console.error(`measured ${workers} workers x ${slots} slots: ${fmt(row.tokensPerSecond, 0)} tokens/s`);
      }
    }
  } finally {
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  console.log("\n| workers | slots each | streams | tokens/s | ideal | ratio to ideal | TTFT p50 ms | TTFT p95 ms |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.workers} | ${r.slots} | ${r.streams} | ${fmt(r.tokensPerSecond, 0)} | ${r.ideal} | ${fmt(r.tokensPerSecond / r.ideal, 3)} | ${fmt(r.ttftP50, 1)} | ${fmt(r.ttftP95, 1)} |`,
    );
  }
}

await main();
