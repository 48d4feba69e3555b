import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { freePort, openModelStore, putModelFile } from "@lantern/shared/nats";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { loadInferenceConfig } from "../config.js";
import { startSyntheticWorker } from "../synthetic/synthetic-engine.js";
import { startHoldingNatsProxy, type HoldingNatsProxy } from "../testing/holding-nats-proxy.js";
import { startWorker, type RunningWorker } from "../worker.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const bundledModel = join(repoRoot, "models", "stories260K.gguf");
const logger = createLogger({ service: "inference", level: "silent" });

let nats: TestNats;
let nc: NatsConnection;
let dir: string;
let proxy: HoldingNatsProxy | undefined;
const workers: Array<Promise<RunningWorker | undefined>> = [];

const workerConfig = (env: Record<string, string>) =>
  loadInferenceConfig({
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    MODELS_DIR: join(dir, "models"),
    INFERENCE_MODEL_CACHE_DIR: join(dir, "cache"),
    INFERENCE_SLOTS: "1",
    INFERENCE_THREADS: "1",
    METRICS_HOST: "127.0.0.1",
    ...env,
  });

/** Starts a worker and keeps it for cleanup, whether or not its start is awaited. */
function launch(env: Record<string, string>, start = startWorker): Promise<RunningWorker> {
  const started = start(workerConfig(env), logger);
  workers.push(started.catch(() => undefined));
  return started;
}

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  nats = await useTestNats();
  dir = await mkdtemp(join(tmpdir(), "lantern-readiness-"));
  await mkdir(join(dir, "models"));
  // The GGUF magic, then nothing a loader can read.
  await writeFile(join(dir, "models", "broken.gguf"), Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(64, 0xff)]));
  nc = await connect({ servers: nats.url });
  const store = await openModelStore(nc, natsNames(nats.namespace));
  const sha256 = createHash("sha256").update(await readFile(bundledModel)).digest("hex");
  await putModelFile(store, { object: "held/stories260K.gguf", path: bundledModel, sha256 });
});

afterAll(async () => {
  proxy?.release();
  for (const started of workers) await (await started)?.stop();
  await proxy?.close();
  await nc?.close();
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("a worker's readiness (/readyz on its metrics port)", () => {
  it("answers 503 while a configured model is loading and 200 once every one has loaded or failed, listing each", async () => {
    // The worker must copy `held` from the model store first; the proxy holds that copy back.
    proxy = await startHoldingNatsProxy(nats.url, `OBJ_${natsNames(nats.namespace).objectStores.models}`);
    const url = `http://127.0.0.1:${await freePort()}`;
    const starting = launch({
      NATS_URL: proxy.url,
      METRICS_PORT: new URL(url).port,
      INFERENCE_MODELS: "held=held/stories260K.gguf,broken=broken.gguf",
    });
    await proxy.held;

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await readyz(url)).toEqual({
      status: 503,
      body: {
        status: "not_ready",
        nats: "connected",
        models: [
          { name: "held", state: "loading" },
          { name: "broken", state: "loading" },
        ],
        waitingFor: ["models to load: held, broken"],
      },
    });

    proxy.release();
    const worker = await starting;
    expect(worker.models.map((m) => m.name)).toEqual(["held"]);
    expect(await readyz(url)).toEqual({
      status: 200,
      body: {
        status: "ready",
        nats: "connected",
        models: [
          { name: "held", state: "loaded" },
          { name: "broken", state: "failed", reason: expect.stringMatching(/broken\.gguf is not a GGUF model this worker can read: .+/) },
        ],
      },
    });
  });

  it("is not ready when every configured model failed, and says why for each", async () => {
    const worker = await launch({ METRICS_PORT: "0", INFERENCE_MODEL_STORE: "off", INFERENCE_MODELS: "broken=broken.gguf,absent=absent.gguf" });
    const { status, body } = await readyz(worker.metricsUrl!);
    expect(status).toBe(503);
    expect(body).toEqual({
      status: "not_ready",
      nats: "connected",
      models: [
        { name: "broken", state: "failed", reason: expect.stringMatching(/broken\.gguf is not a GGUF model this worker can read: .+/) },
        { name: "absent", state: "failed", reason: 'Model file "absent.gguf" was not found in the models dir.' },
      ],
      waitingFor: [expect.stringMatching(/every model of this worker failed to load/)],
    });
  });

  it("on the synthetic engine, whose model needs no loading, is ready once started", async () => {
    const worker = await launch({ METRICS_PORT: "0", INFERENCE_SYNTHETIC_MODEL: "instant" }, startSyntheticWorker);
    expect(await readyz(worker.metricsUrl!)).toEqual({
      status: 200,
      body: { status: "ready", nats: "connected", models: [{ name: "instant", state: "loaded" }] },
    });
  });
});
