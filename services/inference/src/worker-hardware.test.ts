import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, natsNames, WorkerHeartbeat } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { loadInferenceConfig } from "./config.js";
import { startWorker, type RunningWorker } from "./worker.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

let nats: TestNats;
let worker: RunningWorker;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await useTestNats();
  const config = loadInferenceConfig({
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    MODELS_DIR: join(repoRoot, "models"),
    INFERENCE_GPU: "auto",
    INFERENCE_SLOTS: "1",
    INFERENCE_THREADS: "1",
  });
  worker = await startWorker(config, createLogger({ service: "inference", level: "silent" }));
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await worker?.stop();
  await nats?.stop();
});

describe("a worker's compute backend", () => {
  it("advertises its pool, devices and memory in its heartbeat", async () => {
    // The bucket read as the stream underneath it: the latest value of the worker's key.
    const bucket = natsNames(nats.namespace).buckets.workers;
    const jsm = await jetstreamManager(nc);
    const entry = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${worker.workerId}` });
    const beat = decodeMessage(WorkerHeartbeat, entry!.data);
    expect(beat.hardware.ram.totalBytes).toBe(totalmem());
    expect(beat.hardware.ram.freeBytes).toBeGreaterThan(0);
    if (beat.pool === "cpu") {
      expect(beat.hardware.devices).toEqual([]);
      expect(beat.hardware.vram).toBeNull();
    } else {
      expect(beat.hardware.devices.length).toBeGreaterThan(0);
      expect(beat.hardware.vram!.totalBytes).toBeGreaterThan(0);
    }
  });

  it("pinned to a backend this machine cannot run, says why and exits non-zero instead of falling back", async () => {
    // Metal exists only on macOS; elsewhere a Mac is the machine without CUDA.
    const missing = process.platform === "darwin" ? "cuda" : "metal";
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const child = spawn(process.execPath, ["--import", tsx, join(repoRoot, "services/inference/src/main.ts")], {
      cwd: repoRoot,
      env: { ...process.env, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, INFERENCE_GPU: missing, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain(`INFERENCE_GPU=${missing}`);
    expect(stderr).toContain("cannot run on this machine");
    expect(stderr).not.toContain("worker ready");
  });
});
