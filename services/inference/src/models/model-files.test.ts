import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "@nats-io/obj";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { connectNats, openModelStore, putModelFile, type NatsLink } from "@lantern/shared/nats";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { ModelFiles } from "./model-files.js";
import { ModelLoadError } from "./model-load-error.js";

const bundledModel = new URL("../../../../models/stories260K.gguf", import.meta.url).pathname;
const logger = createLogger({ service: "model-files-test", level: "silent" });

let testNats: TestNats;
let link: NatsLink;
let store: ObjectStore;
let dir: string;
let sha256: string;
let gets = 0;

beforeAll(async () => {
  testNats = await useTestNats("modelfiles");
  link = await connectNats({ url: testNats.url, name: "model-files-test", logger });
  store = await openModelStore(link.nc, natsNames(testNats.namespace));
  dir = await mkdtemp(join(tmpdir(), "lantern-model-files-"));
  sha256 = createHash("sha256").update(await readFile(bundledModel)).digest("hex");
  await putModelFile(store, { object: "stories260K.gguf", path: bundledModel, sha256 });
});

afterAll(async () => {
  await store?.destroy().catch(() => {});
  await link?.nc.close();
  await testNats?.stop();
  await rm(dir, { recursive: true, force: true });
});

// Counts the copies made, so a test can see that concurrent asks share one.
const countingStore = () => async () => ({ ...store, get: (name: string) => (gets++, store.get(name)) }) as ObjectStore;

const refusal = (files: ModelFiles, file: string) =>
  files.locate(file).then(
    () => expect.unreachable(),
    (err: unknown) => err as ModelLoadError,
  );

describe("model files", () => {
  it("prefers the models dir, then the cache, and copies from the store once for concurrent asks", async () => {
    const modelsDir = join(dir, "a", "models");
    const cacheDir = join(dir, "a", "cache");
    await mkdir(modelsDir, { recursive: true });
    await copyFile(bundledModel, join(modelsDir, "local.gguf"));
    const files = new ModelFiles({ modelsDir, cacheDir, store: countingStore(), logger });

    expect(await files.locate("local.gguf")).toBe(join(modelsDir, "local.gguf"));
    gets = 0;
    const paths = await Promise.all([files.locate("stories260K.gguf"), files.locate("stories260K.gguf"), files.locate("stories260K.gguf")]);
    expect(new Set(paths)).toEqual(new Set([join(cacheDir, "stories260K.gguf")]));
    expect(gets).toBe(1);
    expect(await files.locate("stories260K.gguf")).toBe(join(cacheDir, "stories260K.gguf"));
    expect(gets).toBe(1);
  });

  it("refuses a copy whose digest does not match", async () => {
    const liar = join(dir, "liar.gguf");
    await writeFile(liar, "not a model");
    await putModelFile(store, { object: "liar.gguf", path: liar, sha256 });
    const files = new ModelFiles({ modelsDir: join(dir, "b"), cacheDir: join(dir, "b"), store: async () => store, logger });
    const err = await refusal(files, "liar.gguf");
    expect(err.code).toBe("model_store_failed");
    expect(err.message).toMatch(/sha256/);
  });

  it("refuses a path outside the models dir before looking anywhere", async () => {
    gets = 0;
    const files = new ModelFiles({ modelsDir: join(dir, "c"), cacheDir: join(dir, "c"), store: countingStore(), logger });
    expect((await refusal(files, "../stories260K.gguf")).code).toBe("path_outside_models_dir");
    expect(gets).toBe(0);
  });

  it("without a store, a missing file is just missing", async () => {
    const files = new ModelFiles({ modelsDir: join(dir, "d"), cacheDir: join(dir, "d"), store: undefined, logger });
    expect((await refusal(files, "stories260K.gguf")).code).toBe("file_not_found");
  });
});
