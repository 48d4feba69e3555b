import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ObjectStore } from "@nats-io/obj";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames } from "@lantern/shared/contracts";
import { openModelStore, putModelFile } from "@lantern/shared/nats";
import { modelFleet } from "./harness/model-fleet.js";
import { sdkClient } from "./harness/sdk-stack.js";
import { repoRoot, startTestStack, type TestStack } from "./harness/test-stack.js";

// A worker on a host without the models volume: its models dir is empty, the file is in the object store.
const bundledModel = join(repoRoot, "models", "stories260K.gguf");

let stack: TestStack;
let nc: NatsConnection;
let store: ObjectStore;
let remoteDir: string;
let sha256: string;

beforeAll(async () => {
  stack = await startTestStack();
  nc = await connect({ servers: stack.nats.url });
  store = await openModelStore(nc, natsNames(stack.nats.namespace));
  sha256 = createHash("sha256").update(await readFile(bundledModel)).digest("hex");
  await putModelFile(store, { object: "tiny/stories260K.gguf", path: bundledModel, sha256 });
  remoteDir = await mkdtemp(join(tmpdir(), "lantern-remote-worker-"));
});

afterAll(async () => {
  await store?.destroy().catch(() => {});
  await nc?.close();
  await stack?.stop();
  await rm(remoteDir, { recursive: true, force: true });
});

describe("a worker without the model file on its host", () => {
  it("copies it from the object store into its cache, checks the digest and serves it", async () => {
    const cacheDir = join(remoteDir, "cache");
    await stack.startWorker({
      MODELS_DIR: join(remoteDir, "models"),
      INFERENCE_MODEL_CACHE_DIR: cacheDir,
      INFERENCE_MODELS: "remote-story=tiny/stories260K.gguf",
    });
    const copy = join(cacheDir, "tiny", "stories260K.gguf");
    expect((await stat(copy)).size).toBe((await stat(bundledModel)).size);
    expect(createHash("sha256").update(await readFile(copy)).digest("hex")).toBe(sha256);

    const res = await sdkClient(stack.baseUrl).completions.create({ model: "remote-story", prompt: "Once upon a time", max_tokens: 6, temperature: 0 });
    expect(res.usage!.completion_tokens).toBe(6);
    expect(res.choices[0]!.text.length).toBeGreaterThan(0);
  });

  it("a load command for a file in neither place says how to get it there", async () => {
    const worker = await stack.startWorker({ MODELS_DIR: join(remoteDir, "empty"), INFERENCE_MODELS: "remote-story=tiny/stories260K.gguf", INFERENCE_MODEL_CACHE_DIR: join(remoteDir, "cache") });
    const reply = await modelFleet(nc, stack.nats.namespace).command(worker.worker.workerId, {
      v: 1,
      op: "load",
      model: { name: "absent", file: "absent/model.gguf" },
    });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe("file_not_found");
    expect(reply.error.message).toMatch(/nor in the model store.*npm run models -- pull/);
  });
});
