import { createHash } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fetchModelFile, openModelStore } from "@lantern/shared/nats";
import { waitFor } from "@lantern/shared/testing";
import { manifestPath, readManifest } from "@lantern/shared/model-files";
import { startFakeHub, type FakeHub } from "./testing/fake-hub.js";
import { expectDone, FetcherHarness } from "./testing/fetcher-harness.js";

const bundledModel = join(import.meta.dirname, "../../../models/stories260K.gguf");
const BUNDLED_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
const TOKEN = "hf_testtoken_0123456789abcdef";
const COMMIT = "a".repeat(40);
const FILE = "tinyllamas/stories260K.gguf";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const exists = (path: string) => stat(path).then(() => true, () => false);

describe("model fetcher", () => {
  let harness: FetcherHarness;
  let hub: FakeHub;
  let model: Buffer;

  beforeAll(async () => {
    harness = await FetcherHarness.start("fetcher");
    model = await readFile(bundledModel);
    hub = await startFakeHub({
      token: TOKEN,
      repos: {
        "ggml-org/models": { commit: COMMIT, files: { [FILE]: model, "other/renamed.gguf": model } },
        "acme/unverified": { files: { "model.gguf": { data: model, sha256: null } } },
      },
    });
  });

  // Fetchers share one queue: a test's fetcher must not take the next test's pulls.
  afterEach(async () => {
    await harness.stopAll();
    hub.faults = {};
  });

  afterAll(async () => {
    await harness?.close();
    await hub?.close();
  });

  it("downloads, verifies and records a model, then confirms it without downloading again", async () => {
    const modelsDir = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN });
    const before = hub.requests.length;

    const pull = await harness.pull({ repo: "ggml-org/models", file: FILE });
    const done = await pull.finished;
    expectDone(done);

    const started = pull.events.find((e) => e.type === "model.pull.started");
    expect(started).toMatchObject({ totalBytes: model.length, resumedFromBytes: 0, joinedPullId: null, digestSource: "hub", expectedSha256: BUNDLED_SHA256 });
    expect(started?.type === "model.pull.started" && started.source).toMatchObject({ repo: "ggml-org/models", revision: "main", commit: COMMIT });
    expect(pull.events.some((e) => e.type === "model.pull.progress" && e.receivedBytes === model.length)).toBe(true);

    expect(done.alreadyPresent).toBe(false);
    expect(done.downloadedBytes).toBe(model.length);
    expect(done.model).toMatchObject({
      name: "stories260K",
      file: FILE,
      sizeBytes: model.length,
      sha256: BUNDLED_SHA256,
      architecture: "llama",
      contextLength: 2048,
      hasChatTemplate: false,
      object: null,
      digestSource: "hub",
    });
    expect(done.model.parameterCount).toBeGreaterThan(0);
    expect(sha256(await readFile(join(modelsDir, FILE)))).toBe(BUNDLED_SHA256);
    expect(await exists(join(modelsDir, `${FILE}.part`))).toBe(false);
    expect(await exists(join(modelsDir, `${FILE}.part.lock`))).toBe(false);
    expect(await readManifest(modelsDir, FILE)).toEqual(done.model);

    // The revision was pinned: the download asked for the commit, and only the hub saw the token.
    const seen = hub.requests.slice(before);
    expect(seen.some((r) => r.server === "hub" && r.path === `/ggml-org/models/resolve/${COMMIT}/tinyllamas/stories260K.gguf` && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(seen.filter((r) => r.server === "cdn").every((r) => r.authorization === null)).toBe(true);
    expect(harness.logs.join("")).not.toContain(TOKEN);

    // Pulled again through the preset with the same digest: confirmed from the manifest, nothing asked of the hub.
    const requestsBefore = hub.requests.length;
    const again = await harness.pull({ preset: "stories260k" });
    const second = await again.finished;
    expect(second).toMatchObject({ type: "model.pull.done", alreadyPresent: true, downloadedBytes: 0 });
    expect(hub.requests.length).toBe(requestsBefore);
    await harness.waitForQueueEmpty();
  });

  it("continues a dropped download with a Range request from where it broke off", async () => {
    const modelsDir = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url });
    hub.faults = { dropAfterBytes: 400_000, dropTimes: 1 };
    const before = hub.downloads().length;

    const pull = await harness.pull({ repo: "ggml-org/models", file: FILE });
    const done = await pull.finished;
    hub.faults = {};
    expectDone(done);

    const gets = hub.downloads().slice(before);
    expect(gets.length).toBe(2);
    expect(gets[0]!.range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? "")?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(400_000);
    expect(done.downloadedBytes).toBe(model.length);
    expect(sha256(await readFile(join(modelsDir, FILE)))).toBe(BUNDLED_SHA256);
  });

  it("resumes from the .part file a stopped fetcher left behind", async () => {
    const modelsDir = await harness.modelsDir();
    const first = await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url });
    hub.faults = { bytesPerSecond: 256 * 1024 };
    const part = join(modelsDir, `${FILE}.part`);

    const pull = await harness.pull({ repo: "ggml-org/models", file: FILE });
    await waitFor(async () => (await stat(part)).size >= 200_000, 30_000, "the download to be under way");
    await harness.stopFetcher(first);
    const kept = (await stat(part)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(model.length);
    expect(pull.events.some((e) => e.type === "model.pull.failed" || e.type === "model.pull.done")).toBe(false);

    hub.faults = {};
    const before = hub.downloads().length;
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url });
    const done = await pull.finished;
    expectDone(done);

    const restarts = pull.events.filter((e) => e.type === "model.pull.started");
    expect(restarts.at(-1)).toMatchObject({ resumedFromBytes: kept });
    expect(hub.downloads().slice(before).map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    expect(done.downloadedBytes).toBe(model.length - kept);
    expect(sha256(await readFile(join(modelsDir, FILE)))).toBe(BUNDLED_SHA256);
  });

  it("starts over when the server ignores Range, or the .part is longer than the file", async () => {
    const modelsDir = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url });
    const part = join(modelsDir, `${FILE}.part`);
    await mkdir(join(modelsDir, "tinyllamas"), { recursive: true });

    // Bytes that are not the file's: continuing them would corrupt it; starting over must not.
    await writeFile(part, Buffer.alloc(100_000, 7));
    hub.faults = { ignoreRange: true };
    let before = hub.downloads().length;
    let done = await (await harness.pull({ repo: "ggml-org/models", file: FILE })).finished;
    hub.faults = {};
    expectDone(done);
    expect(hub.downloads().slice(before).map((r) => r.range)).toEqual(["bytes=100000-"]);
    expect(sha256(await readFile(join(modelsDir, FILE)))).toBe(BUNDLED_SHA256);

    await mkdir(join(modelsDir, "other"));
    await writeFile(join(modelsDir, "other", "renamed.gguf.part"), Buffer.alloc(model.length + 10, 1));
    before = hub.downloads().length;
    done = await (await harness.pull({ repo: "ggml-org/models", file: "other/renamed.gguf" })).finished;
    expectDone(done);
    expect(hub.downloads().slice(before).map((r) => r.range)).toEqual([null]);
    expect(sha256(await readFile(join(modelsDir, "other", "renamed.gguf")))).toBe(BUNDLED_SHA256);
  });

  it("downloads a file once when two pulls ask for it at the same time", async () => {
    const modelsDir = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url, FETCHER_CONCURRENCY: "2" });
    hub.faults = { bytesPerSecond: 400 * 1024 };
    const before = hub.downloads().length;

    const a = await harness.pull({ repo: "ggml-org/models", file: FILE });
    const b = await harness.pull({ repo: "ggml-org/models", file: FILE });
    const [doneA, doneB] = await Promise.all([a.finished, b.finished]);
    hub.faults = {};
    expectDone(doneA);
    expectDone(doneB);
    expect(hub.downloads().slice(before).length).toBe(1);

    const startedA = a.events.find((e) => e.type === "model.pull.started");
    const startedB = b.events.find((e) => e.type === "model.pull.started");
    const joined = [startedA, startedB].map((e) => (e?.type === "model.pull.started" ? e.joinedPullId : "missing"));
    expect(joined.sort()).toEqual([a.pullId, null].sort() as typeof joined);
    expect(b.events.some((e) => e.type === "model.pull.progress")).toBe(true);
  });

  it("accepts a file no digest vouches for, says so, and records the digest it computed", async () => {
    const modelsDir = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url });
    const pull = await harness.pull({ repo: "acme/unverified", file: "model.gguf" }, { name: "tiny" });
    const done = await pull.finished;
    expect(pull.events.find((e) => e.type === "model.pull.started")).toMatchObject({ expectedSha256: null, digestSource: null });
    expect(done).toMatchObject({ type: "model.pull.done", model: { name: "tiny", sha256: BUNDLED_SHA256, digestSource: null } });
    expect(await exists(manifestPath(modelsDir, "model.gguf"))).toBe(true);
  });

  it("stores the verified file in the models object store when asked to distribute it", async () => {
    const modelsDir = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url });
    const done = await (await harness.pull({ repo: "ggml-org/models", file: FILE }, { distribute: true })).finished;
    expect(done).toMatchObject({ type: "model.pull.done", model: { object: FILE } });
    expect((await readManifest(modelsDir, FILE))?.object).toBe(FILE);

    const store = await openModelStore(harness.nc, harness.names);
    const copy = await fetchModelFile(store, { object: FILE, dest: join(harness.root, "elsewhere", "stories260K.gguf") });
    expect(copy.sha256).toBe(BUNDLED_SHA256);
  });

  it("says it is idle once no pull came for FETCHER_EXIT_WHEN_IDLE_MS, and not while one runs", async () => {
    const modelsDir = await harness.modelsDir();
    const fetcher = await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN, FETCHER_EXIT_WHEN_IDLE_MS: "1500" });
    let idleAt = 0;
    void fetcher.idle.then(() => (idleAt = Date.now()));
    const startedAt = Date.now();
    // About 2.5 s of download: longer than the idle time, which counts from its end.
    hub.faults = { bytesPerSecond: Math.round(model.length / 2.5) };
    const pull = await harness.pull({ repo: "ggml-org/models", file: FILE });
    expectDone(await pull.finished);
    const endedAt = Date.now();
    expect(idleAt).toBe(0);
    await waitFor(() => idleAt > 0, 10_000, "the fetcher to say it is idle");
    expect(endedAt - startedAt).toBeGreaterThan(2_000);
    expect(idleAt - endedAt).toBeGreaterThan(1_000);
  });

  it("seeds an empty models dir with the bundled model, and only an empty one", async () => {
    const empty = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: empty, HF_ENDPOINT: hub.url, FETCHER_SEED_MODEL: bundledModel });
    expect(sha256(await readFile(join(empty, "stories260K.gguf")))).toBe(BUNDLED_SHA256);
    expect(await readManifest(empty, "stories260K.gguf")).toMatchObject({ sha256: BUNDLED_SHA256, architecture: "llama", source: null });

    const used = await harness.modelsDir();
    await mkdir(join(used, "team"));
    await writeFile(join(used, "team", "mine.gguf"), "x");
    await harness.startFetcher({ MODELS_DIR: used, HF_ENDPOINT: hub.url, FETCHER_SEED_MODEL: bundledModel });
    expect(await exists(join(used, "stories260K.gguf"))).toBe(false);
  });
});
