import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, ModelPullEvent, ModelRemovedEvent, natsNames, type NatsNames } from "@lantern/shared/contracts";
import { freePort, openModelStore, putModelFile } from "@lantern/shared/nats";
import { manifestPath } from "@lantern/shared/model-files";
import { BUNDLED_MODEL, BUNDLED_SHA256, startFakeFetcher, useTestNats, waitFor, type FakeFetcher, type TestNats } from "@lantern/shared/testing";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "main.ts");
const TSX = createRequire(import.meta.url).resolve("tsx");

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run models -- <args>` as a user would, without a terminal. */
function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: CliRun = { code: null, stdout: "", stderr: "" };
  child.stdout.on("data", (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (run.stderr += d.toString()));
  const exited = new Promise<CliRun>((resolve) => child.on("close", (code) => resolve({ ...run, code })));
  return { child, run, exited };
}

async function destroyNamespace(nc: NatsConnection, names: NatsNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const stream of [names.streams.models, names.streams.events, `OBJ_${names.objectStores.models}`]) {
    await jsm.streams.delete(stream).catch(() => {});
  }
}

describe("npm run models --", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let names: NatsNames;
  let modelsDir: string;
  let dataDir: string;
  let fetcher: FakeFetcher;
  let env: Record<string, string>;
  const cli = (...args: string[]) => startCli(args, env).exited;

  beforeAll(async () => {
    nats = await useTestNats("cli");
    nc = await connect({ servers: nats.url });
    names = natsNames(nats.namespace);
    modelsDir = mkdtempSync(join(tmpdir(), "lantern-cli-models-"));
    dataDir = mkdtempSync(join(tmpdir(), "lantern-cli-data-"));
    fetcher = await startFakeFetcher(nc, names, modelsDir);
    env = { NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, MODELS_DIR: modelsDir, LANTERN_DATA_DIR: dataDir };
  });

  afterAll(async () => {
    await fetcher?.stop();
    if (nc) {
      await destroyNamespace(nc, names);
      await nc.close();
    }
    await nats?.stop();
    for (const dir of [modelsDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("pulls a preset, shows its progress and ends with what to serve", async () => {
    const { code, stdout } = await cli("pull", "stories260k");
    expect(code).toBe(0);
    expect(fetcher.commands.at(-1)).toMatchObject({ v: 1, target: { preset: "stories260k" } });
    expect(stdout).toContain("Pulling stories260K from ggml-org/models/tinyllamas/stories260K.gguf@0123456789abcdef");
    expect(stdout).toMatch(/stories260K: 50\.0% \(578\.8 KiB of 1\.1 MiB\) at 2\.0 MiB\/s/);
    expect(stdout).toContain("stories260K is ready to load");
    expect(stdout).toContain(BUNDLED_SHA256);
    expect(stdout).toContain("INFERENCE_MODELS=stories260K=stories260K.gguf");
  });

  it("prints every event as JSON with --json, and passes repository, revision, name and distribution on", async () => {
    const { code, stdout } = await cli("pull", "ggml-org/models", "tinyllamas/stories260K.gguf", "--revision", "v1", "--name", "tiny", "--distribute", "--json");
    expect(code).toBe(0);
    const events = stdout.trim().split("\n").map((line) => ModelPullEvent.parse(JSON.parse(line)));
    expect(events.map((e) => e.type)).toEqual(["model.pull.started", "model.pull.progress", "model.pull.done"]);
    expect(events.at(-1)).toMatchObject({ model: { name: "tiny", file: "tinyllamas/stories260K.gguf", sha256: BUNDLED_SHA256 } });
    expect(fetcher.commands.at(-1)).toMatchObject({
      target: { repo: "ggml-org/models", file: "tinyllamas/stories260K.gguf", revision: "v1" },
      name: "tiny",
      distribute: true,
    });
  });

  it("says why a pull failed, with near matches, and exits 1", async () => {
    const { code, stdout, stderr } = await cli("pull", "nope");
    expect(code).toBe(1);
    expect(stderr).toContain("Pull failed (unknown_preset): No preset named nope.");
    expect(stderr).toContain("Did you mean: stories260k, qwen2.5-0.5b-instruct");
    expect(stdout).not.toContain("ready to load");
  });

  it("refuses a bad file path before queueing anything", async () => {
    const before = fetcher.commands.length;
    const { code, stderr } = await cli("pull", "ggml-org/models", "../../etc/passwd");
    expect(code).toBe(1);
    expect(stderr).toContain("Invalid file: must not contain '.', '..' or empty path segments");
    const { code: repoOnly, stderr: hint } = await cli("pull", "ggml-org/models");
    expect(repoOnly).toBe(2);
    expect(hint).toContain("name the file too");
    expect(fetcher.commands.length).toBe(before);
  });

  it("stops following on Ctrl-C and says the pull goes on", async () => {
    const { child, run, exited } = startCli(["pull", "stall"], env);
    await waitFor(() => run.stdout.includes("Pulling stories260K"), 30_000, "the pull to start");
    child.kill("SIGINT");
    const { code, stderr } = await exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/Stopped following pull pull_\w+\. The pull goes on in the fetcher/);
  });

  it("lists what is on disk with digests and sources, and hashes files without one on --digest", async () => {
    copyFileSync(BUNDLED_MODEL, join(modelsDir, "by-hand.gguf"));
    const { code, stdout } = await cli("list", "--json");
    expect(code).toBe(0);
    const { models } = JSON.parse(stdout);
    expect(models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "stories260K", file: "stories260K.gguf", sha256: BUNDLED_SHA256, architecture: "llama", contextLength: 2048, source: expect.objectContaining({ preset: "stories260k" }) }),
        expect.objectContaining({ name: "tiny", file: "tinyllamas/stories260K.gguf", source: expect.objectContaining({ repo: "ggml-org/models", revision: "v1" }) }),
        expect.objectContaining({ name: "by-hand", file: "by-hand.gguf", sha256: null, architecture: "llama", quantization: "F32", source: null }),
      ]),
    );

    const table = await cli("list");
    expect(table.stdout).toMatch(/by-hand\s+1\.1 MiB\s+llama\s+F32\s+2048\s+-\s+-\s+by-hand\.gguf/);
    expect(table.stdout).toContain("npm run models -- list --digest");

    const hashed = await cli("list", "--digest");
    expect(hashed.stdout).toMatch(/by-hand\s+1\.1 MiB\s+llama\s+F32\s+2048\s+270cba1bd510/);
    expect(existsSync(manifestPath(modelsDir, "by-hand.gguf"))).toBe(true);
    const again = JSON.parse((await cli("list", "--json")).stdout);
    expect(again.models.find((m: { name: string }) => m.name === "by-hand").sha256).toBe(BUNDLED_SHA256);
  });

  it("removes a model and its manifest, announces it, and names near models for a typo", async () => {
    const removed: ModelRemovedEvent[] = [];
    const sub = nc.subscribe(names.subjects.modelRemoved, {
      callback: (_err, msg) => {
        removed.push(decodeMessage(ModelRemovedEvent, msg.data));
      },
    });
    await nc.flush();

    const typo = await cli("rm", "by-hnd");
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('No model named "by-hnd"');
    expect(typo.stderr).toContain("Did you mean: by-hand");

    const outside = await cli("rm", "../by-hand.gguf");
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain("is outside the models dir");

    const { code, stdout } = await cli("rm", "by-hand");
    expect(code).toBe(0);
    expect(stdout).toContain("Removed by-hand (by-hand.gguf)");
    expect(existsSync(join(modelsDir, "by-hand.gguf"))).toBe(false);
    expect(existsSync(manifestPath(modelsDir, "by-hand.gguf"))).toBe(false);
    await waitFor(() => removed.length === 1, 10_000, "the removal event");
    expect(removed[0]).toMatchObject({ type: "model.removed", name: "by-hand", file: "by-hand.gguf" });
    sub.unsubscribe();
  });

  it("with --everywhere also deletes the object-store copy", async () => {
    const store = await openModelStore(nc, names);
    await putModelFile(store, { object: "tinyllamas/stories260K.gguf", path: BUNDLED_MODEL, sha256: BUNDLED_SHA256 });
    const { code, stdout } = await cli("rm", "tiny", "--everywhere", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      name: "tiny",
      file: "tinyllamas/stories260K.gguf",
      removed: { file: true, manifest: true, object: true },
      announced: true,
    });
    const info = await store.info("tinyllamas/stories260K.gguf");
    expect(info === null || info.deleted).toBe(true);
  });
});

describe("npm run models -- pull without a running fetcher", () => {
  let nats: TestNats;
  let modelsDir: string;
  let dataDir: string;
  let deadHub: string;

  beforeAll(async () => {
    nats = await useTestNats("clinofetch");
    modelsDir = mkdtempSync(join(tmpdir(), "lantern-cli-models-"));
    dataDir = mkdtempSync(join(tmpdir(), "lantern-cli-data-"));
    // Nothing listens there: a fetcher run by the CLI cannot reach "the hub", so no test touches the internet.
    deadHub = `http://127.0.0.1:${await freePort()}`;
  });

  afterAll(async () => {
    const nc = await connect({ servers: nats.url });
    await destroyNamespace(nc, natsNames(nats.namespace));
    await nc.close();
    await nats?.stop();
    for (const dir of [modelsDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fetches in its own process when no fetcher takes the pull", async () => {
    const { code, stderr } = await startCli(["pull", "stories260k"], {
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      MODELS_DIR: modelsDir,
      LANTERN_DATA_DIR: dataDir,
      HF_ENDPOINT: deadHub,
      FETCHER_SEED_MODEL: "",
      // The hub never answers: fail at the first try rather than after the usual backoff.
      FETCHER_MAX_RETRIES: "0",
    }).exited;
    expect(stderr).toContain("No fetcher is taking pulls; fetching in this process");
    // The hub is unreachable, so the pull cannot succeed, however far the fetcher gets.
    expect(code).toBe(1);
  });

  it("runs a private NATS server when none answers at NATS_URL", async () => {
    const { code, stderr } = await startCli(["pull", "stories260k"], {
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      MODELS_DIR: modelsDir,
      LANTERN_DATA_DIR: dataDir,
      HF_ENDPOINT: deadHub,
      FETCHER_SEED_MODEL: "",
      // The hub never answers: fail at the first try rather than after the usual backoff.
      FETCHER_MAX_RETRIES: "0",
    }).exited;
    expect(stderr).toMatch(/NATS is not reachable at nats:\/\/127\.0\.0\.1:\d+: pulling through a private NATS server/);
    expect(stderr).toContain("The admin service registers the model when it next sees it on disk.");
    expect(code).toBe(1);
  });
});
