import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInferenceConfig, startWorker, type RunningWorker } from "@lantern/inference";
import { FetcherConfig, startModelFetcher, type ModelFetcher } from "@lantern/model-fetcher";
import { startFakeHub, type FakeHub } from "@lantern/model-fetcher/testing";
import { natsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { waitFor } from "@lantern/shared/testing";
import { startTestAdmin, type TestAdmin } from "../services/admin/src/testing/test-admin.js";
import { repoRoot } from "./harness/test-stack.js";

// The whole path a user takes: `npm run models -- pull <preset> --distribute` on one host, the admin
// registers the model, and a worker on another host (an empty models dir) serves it from the object store.
const bundled = join(repoRoot, "models", "stories260K.gguf");
const logger = createLogger({ service: "model-pull-flow", level: "silent" });

let hub: FakeHub;
let admin: TestAdmin;
let fetcher: ModelFetcher;
let worker: RunningWorker | undefined;
let root: string;
let modelsDir: string;
let sha256: string;

beforeAll(async () => {
  const data = await readFile(bundled);
  sha256 = createHash("sha256").update(data).digest("hex");
  hub = await startFakeHub({ repos: { "ggml-org/models": { files: { "tinyllamas/stories260K.gguf": data } } } });
  root = await mkdtemp(join(tmpdir(), "lantern-pull-flow-"));
  modelsDir = join(root, "models");
  admin = await startTestAdmin("postgres", { MODELS_DIR: modelsDir });
  fetcher = await startModelFetcher({
    config: FetcherConfig.parse({ NATS_URL: admin.nats.url, NATS_NAMESPACE: admin.nats.namespace, MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url, FETCHER_SEED_MODEL: "" }),
    logger,
  });
});

afterAll(async () => {
  await worker?.stop();
  await fetcher?.stop();
  if (admin) {
    const jsm = await jetstreamManager(admin.nc);
    const names = natsNames(admin.nats.namespace);
    for (const stream of [names.streams.models, `OBJ_${names.objectStores.models}`]) await jsm.streams.delete(stream).catch(() => {});
    await admin.stop();
  }
  await hub?.close();
  await rm(root, { recursive: true, force: true });
});

function runModelsCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, join(repoRoot, "services/model-fetcher/src/cli/main.ts"), ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NATS_URL: admin.nats.url, NATS_NAMESPACE: admin.nats.namespace, MODELS_DIR: modelsDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("pulling a model and serving it on another host", () => {
  it("pulls a preset through the running fetcher, verified, and the admin registers it", async () => {
    const pull = await runModelsCli(["pull", "stories260k", "--distribute"]);
    expect(pull.stderr + pull.stdout).toContain(sha256);
    expect(pull.code).toBe(0);
    expect(createHash("sha256").update(await readFile(join(modelsDir, "tinyllamas", "stories260K.gguf"))).digest("hex")).toBe(sha256);

    let registered: any;
    await waitFor(async () => {
      const res = await admin.call("GET", "/api/models/stories260K");
      registered = res.body;
      return res.status === 200 && Boolean(res.body.registeredAt);
    }, 30_000, "the pulled model to be registered");
    expect(registered).toMatchObject({ sha256, architecture: "llama", onDisk: true, file: "tinyllamas/stories260K.gguf" });
    expect(registered.source).toMatchObject({ repo: "ggml-org/models", preset: "stories260k" });

    const listed = await runModelsCli(["list", "--json"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(sha256);
  });

  it("a worker with an empty models dir gets the file from the object store and serves it", async () => {
    const remoteDir = join(root, "remote");
    worker = await startWorker(
      loadInferenceConfig({
        NATS_URL: admin.nats.url,
        NATS_NAMESPACE: admin.nats.namespace,
        MODELS_DIR: remoteDir,
        INFERENCE_MODELS: "story=tinyllamas/stories260K.gguf",
        INFERENCE_SLOTS: "1",
        INFERENCE_THREADS: "1",
        LOG_LEVEL: "silent",
      }),
      logger,
    );
    expect(worker.models.map((m) => m.name)).toEqual(["story"]);
    expect(createHash("sha256").update(await readFile(join(remoteDir, "tinyllamas", "stories260K.gguf"))).digest("hex")).toBe(sha256);
  });
});
