import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ModelPullEvent } from "@lantern/shared/contracts";
import { startFakeHub, type FakeHub } from "../testing/fake-hub.js";
import { expectDone, FetcherHarness } from "../testing/fetcher-harness.js";

const bundledModel = join(import.meta.dirname, "../../../../models/stories260K.gguf");
const TOKEN = "hf_goodtoken_0123456789abcdef";

type Failed = Extract<ModelPullEvent, { type: "model.pull.failed" }>;
function expectFailed(event: ModelPullEvent): asserts event is Failed {
  if (event.type !== "model.pull.failed") throw new Error(`expected the pull to fail, got ${event.type}`);
}

/** Every file under a dir, dot dirs included: a failed pull must leave nothing behind. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe("pulls that cannot succeed", () => {
  let harness: FetcherHarness;
  let hub: FakeHub;
  let modelsDir: string;

  beforeAll(async () => {
    harness = await FetcherHarness.start("fetchfail");
    const model = await readFile(bundledModel);
    hub = await startFakeHub({
      token: TOKEN,
      repos: {
        "ggml-org/models": { files: { "tinyllamas/stories260K.gguf": model, "tinyllamas/stories15M.gguf": model, "README.gguf.txt": model } },
        "acme/broken": {
          files: {
            "lying.gguf": { data: model, sha256: "0".repeat(64) },
            "garbage.gguf": randomBytes(200_000),
            "cut-header.gguf": model.subarray(0, 4_000),
            "cut-tensors.gguf": model.subarray(0, 700_000),
          },
        },
        "google/gated-gguf": { gated: true, files: { "model.gguf": model } },
      },
    });
  });

  afterEach(async () => {
    await harness.stopAll();
  });

  afterAll(async () => {
    await harness?.close();
    await hub?.close();
  });

  const start = async (env: Record<string, string> = {}) => {
    modelsDir = await harness.modelsDir();
    await harness.startFetcher({ MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url, ...env });
  };

  const failure = async (target: Parameters<FetcherHarness["pull"]>[0]): Promise<Failed["error"]> => {
    const event = await (await harness.pull(target)).finished;
    expectFailed(event);
    return event.error;
  };

  it("rejects and deletes a download whose digest does not match", async () => {
    await start();
    const error = await failure({ repo: "acme/broken", file: "lying.gguf" });
    expect(error.code).toBe("digest_mismatch");
    expect(error.message).toContain("0".repeat(64));
    expect(await filesUnder(modelsDir)).toEqual([]);

    const asked = await failure({ repo: "ggml-org/models", file: "tinyllamas/stories260K.gguf", sha256: "1".repeat(64) });
    expect(asked.code).toBe("digest_mismatch");
    expect(asked.message).toContain("the pull asked for");
    expect(await filesUnder(modelsDir)).toEqual([]);
  });

  it("says HF_TOKEN is needed (401), or that the token lacks access (403)", async () => {
    await start();
    const anonymous = await failure({ repo: "google/gated-gguf", file: "model.gguf" });
    expect(anonymous.code).toBe("unauthorized");
    expect(anonymous.message).toContain("HF_TOKEN");
    await harness.stopAll();

    await start({ HF_TOKEN: "hf_someone_elses_token" });
    const forbidden = await failure({ repo: "google/gated-gguf", file: "model.gguf" });
    expect(forbidden.code).toBe("forbidden");
    expect(forbidden.message).toMatch(/accept the model's terms/);
    expect(forbidden.message).toContain(`${hub.url}/google/gated-gguf`);
    await harness.stopAll();

    await start({ HF_TOKEN: TOKEN });
    expectDone(await (await harness.pull({ repo: "google/gated-gguf", file: "model.gguf" })).finished);
    expect(harness.logs.join("")).not.toContain(TOKEN);
  });

  it("rejects files that are not GGUF or are cut short, and deletes them", async () => {
    await start();
    for (const file of ["garbage.gguf", "cut-header.gguf", "cut-tensors.gguf"]) {
      const error = await failure({ repo: "acme/broken", file });
      expect(error.code, file).toBe("invalid_model_file");
      expect(error.message).toContain(file);
    }
    expect((await failure({ repo: "acme/broken", file: "cut-tensors.gguf" })).message).toContain("cut short");
    expect(await filesUnder(modelsDir)).toEqual([]);
  });

  it("refuses a path outside the models dir before asking the hub, and drops unreadable commands", async () => {
    await start();
    const before = hub.requests.length;
    const pullId = `bad${randomBytes(4).toString("hex")}`;
    const watch = harness.watch(pullId);
    await harness.sendRaw(new TextEncoder().encode(JSON.stringify({ v: 1, pullId, target: { repo: "ggml-org/models", file: "../x.gguf" }, requestedAt: Date.now() })));
    await harness.sendRaw(new TextEncoder().encode("this is not json"));
    const event = await watch.finished;
    expectFailed(event);
    expect(event.error.code).toBe("invalid_request");
    expect(event.error.message).toContain("target.file");
    await harness.waitForQueueEmpty();
    expect(hub.requests.length).toBe(before);

    // The fetcher is still taking pulls.
    const dotted = await failure({ repo: "ggml-org/models", file: ".lantern/manifests/x.gguf" });
    expect(dotted.code).toBe("invalid_request");
    expect(hub.requests.length).toBe(before);
  });

  it("lists near matches for an unknown preset, a missing file and says when a repository is missing", async () => {
    await start();
    const preset = await failure({ preset: "qwen2.5-0.5b-instrct" });
    expect(preset.code).toBe("unknown_preset");
    expect(preset.nearMatches).toContain("qwen2.5-0.5b-instruct");

    const file = await failure({ repo: "ggml-org/models", file: "tinyllamas/stories260k.gguf" });
    expect(file.code).toBe("not_found");
    expect(file.nearMatches?.[0]).toBe("tinyllamas/stories260K.gguf");
    expect(file.nearMatches).not.toContain("README.gguf.txt");

    const repo = await failure({ repo: "ggml-org/modles", file: "tinyllamas/stories260K.gguf" });
    expect(repo.code).toBe("not_found");
    expect(repo.message).toContain("repository ggml-org/modles was not found");
  });

  it("refuses to start a download the disk cannot hold", async () => {
    await start({ FETCHER_DISK_HEADROOM: "1000TiB" });
    const downloads = hub.downloads().length;
    const error = await failure({ repo: "ggml-org/models", file: "tinyllamas/stories260K.gguf" });
    expect(error.code).toBe("insufficient_disk");
    expect(error.message).toMatch(/needs .* free/);
    expect(error.message).toContain("FETCHER_DISK_HEADROOM");
    expect(hub.downloads().length).toBe(downloads);
  });
});
