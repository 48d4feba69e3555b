import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { openModelStore, putModelFile } from "@lantern/shared/nats";
import { loadInferenceConfig, startWorker, type RunningWorker } from "@lantern/inference";
import { startHoldingNatsProxy, type HoldingNatsProxy } from "../../../inference/src/testing/holding-nats-proxy.js";
import { repoRoot, startTestStack, waitFor, type TestStack } from "../../../../test/harness/test-stack.js";

let stack: TestStack;
let nc: NatsConnection;
let dir: string;
let proxy: HoldingNatsProxy | undefined;
const workers: Array<Promise<RunningWorker | undefined>> = [];

interface Readiness {
  status: string;
  workers: number;
  waitingFor?: string[];
  failedModels: Array<{ model: string; workerId: string; reason: string }>;
}

const readyz = async () => {
  const res = await fetch(`${stack.baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
};

/** A worker on the stack's NATS (or `natsUrl`), kept for cleanup whether or not its start is awaited. */
function launchWorker(env: Record<string, string>, natsUrl = stack.nats.url): Promise<RunningWorker> {
  const config = loadInferenceConfig({
    NATS_URL: natsUrl,
    NATS_NAMESPACE: stack.nats.namespace,
    MODELS_DIR: join(dir, "models"),
    INFERENCE_MODEL_CACHE_DIR: join(dir, "cache"),
    INFERENCE_SLOTS: "1",
    INFERENCE_THREADS: "1",
    INFERENCE_HEARTBEAT_MS: "500",
    ...env,
  });
  const started = startWorker(config, createLogger({ service: "inference", level: "silent" }));
  workers.push(started.catch(() => undefined));
  return started;
}

beforeAll(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), "lantern-gateway-readiness-"));
  await mkdir(join(dir, "models"));
  await writeFile(join(dir, "models", "broken.gguf"), Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(64, 0xff)]));
  nc = await connect({ servers: stack.nats.url });
  const bundled = join(repoRoot, "models", "stories260K.gguf");
  const sha256 = createHash("sha256").update(await readFile(bundled)).digest("hex");
  await putModelFile(await openModelStore(nc, natsNames(stack.nats.namespace)), { object: "held/stories260K.gguf", path: bundled, sha256 });
});

afterAll(async () => {
  proxy?.release();
  for (const started of workers) await (await started)?.stop();
  await proxy?.close();
  await nc?.close();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("the gateway's /readyz", () => {
  it("answers 503 with no worker, saying it waits for one", async () => {
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "not_ready", nats: "connected", workers: 0, waitingFor: ["a live worker (none has sent a heartbeat)"], failedModels: [] });
  });

  it("stays 503 while the only worker's model failed, naming the model, the worker and the reason", async () => {
    await launchWorker({ WORKER_ID: "broken-worker", INFERENCE_MODELS: "broken=broken.gguf" });
    // Its first heartbeats may still say the model loads: the failure shows once the load was tried.
    await waitFor(async () => (await readyz()).body.failedModels.length === 1, 10_000, "the worker's heartbeat naming the failed model");
    const { status, body } = await readyz();
    expect(body.workers).toBe(1);
    expect(status).toBe(503);
    expect(body.waitingFor).toEqual(["a worker with a loaded model (none loading; see failedModels)"]);
    expect(body.failedModels).toEqual([{ model: "broken", workerId: "broken-worker", reason: expect.stringMatching(/broken\.gguf is not a GGUF model this worker can read/) }]);
  });

  it("stays 503 while a worker's model loads, and answers 200 once it is loaded", async () => {
    // The worker copies its model from the model store first; the proxy holds that copy back.
    proxy = await startHoldingNatsProxy(stack.nats.url, `OBJ_${natsNames(stack.nats.namespace).objectStores.models}`);
    const starting = launchWorker({ WORKER_ID: "held-worker", INFERENCE_MODELS: "held=held/stories260K.gguf" }, proxy.url);
    await proxy.held;
    const waitsForHeld = "a worker with a loaded model (loading: held on held-worker)";
    await waitFor(async () => (await readyz()).body.waitingFor?.[0] === waitsForHeld, 10_000, "the loading worker's heartbeat");
    expect(await readyz()).toMatchObject({ status: 503, body: { status: "not_ready", workers: 2, waitingFor: [waitsForHeld] } });

    proxy.release();
    await starting;
    await waitFor(async () => (await readyz()).status === 200, 10_000, "the gateway to be ready");
    const { body } = await readyz();
    expect(body).toMatchObject({ status: "ready", workers: 2, models: ["held"] });
    expect(body).not.toHaveProperty("waitingFor");
    // The other worker's failure is still told.
    expect(body.failedModels.map((f) => f.model)).toEqual(["broken"]);
  });
});
