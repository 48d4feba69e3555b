/**
 * One pool's run: a gateway and one worker on the given backend, the bundled model, streamed
 * completions through the whole stack; what the worker reported about its device, and tokens/s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@lantern/shared/nats";
import type { WorkerHeartbeat } from "@lantern/shared/contracts";
import { streamCompletion } from "../../bench/http-client.js";
import { startLocalStack } from "../local-stack.js";

export const CHECK_MODEL = "stories260K";

export interface PoolFigures {
  pool: string;
  devices: string[];
  gpuLayers: number | undefined;
  /** Tokens per second of one stream, and of `concurrency` streams together. */
  single: number;
  parallel: number;
  concurrency: number;
  ttftMs: number;
}

async function rate(baseUrl: string, concurrency: number, tokens: number): Promise<{ tokensPerSecond: number; ttftMs: number }> {
  const body = { model: CHECK_MODEL, prompt: "Once upon a time", max_tokens: tokens, temperature: 0, seed: 1 };
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: concurrency }, () => streamCompletion(baseUrl, body)));
  const seconds = (performance.now() - started) / 1000;
  const total = results.reduce((sum, r) => sum + r.tokens, 0);
  return { tokensPerSecond: total / seconds, ttftMs: Math.min(...results.map((r) => r.ttft)) };
}

export async function runPool(backend: string, opts: { concurrency: number; tokens: number }): Promise<PoolFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-gpu-check-"));
  const stack = await startLocalStack({
    natsUrl: process.env.NATS_URL,
    natsDataDir: join(dataDir, "nats"),
    gatewayHost: "127.0.0.1",
    gatewayPort: await freePort(),
    env: { NATS_NAMESPACE: `gpucheck${process.pid}${backend}`, LOG_LEVEL: "warn", LOG_FORMAT: "json" },
    workerEnv: {
      INFERENCE_GPU: backend,
      INFERENCE_MODELS: `${CHECK_MODEL}=stories260K.gguf?slots=${opts.concurrency}`,
      METRICS_PORT: String(await freePort()),
    },
    onLine: (service, line) => {
      if (/"level":(50|60)/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  try {
    if (!(await stack.waitReady(180_000))) throw new Error(`the ${backend} pool did not become ready within 180 s`);
    const fleet = (await (await fetch(`${stack.baseUrl}/fleet`)).json()) as { workers: WorkerHeartbeat[] };
    const worker = fleet.workers[0];
    if (!worker) throw new Error("no worker in /fleet");
    if (worker.pool !== backend) throw new Error(`the worker runs on the ${worker.pool} pool, not ${backend}`);
    const model = worker.models.find((m) => m.name === CHECK_MODEL);
    await rate(stack.baseUrl, 1, 16); // warm-up: the first decode sets up the backend's kernels
    const single = await rate(stack.baseUrl, 1, opts.tokens);
    const parallel = await rate(stack.baseUrl, opts.concurrency, opts.tokens);
    return {
      pool: worker.pool,
      devices: worker.hardware.devices,
      gpuLayers: model?.gpuLayers,
      single: single.tokensPerSecond,
      parallel: parallel.tokensPerSecond,
      concurrency: opts.concurrency,
      ttftMs: single.ttftMs,
    };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
