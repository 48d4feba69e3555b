import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeMessage, ModelCatalogEntry, WorkerHeartbeat } from "@lantern/shared/contracts";
import { ensureBuckets, type PlatformBuckets } from "@lantern/shared/nats";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import type { AdminDeps } from "../admin-deps.js";
import { openDatabase, type OpenDatabase } from "../db/database.js";
import { models } from "../db/schema.js";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { testAdminDeps } from "../usage/test-fixtures.js";
import { registryApi } from "./registry-api.js";

const bundledModel = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "models", "stories260K.gguf");

function heartbeat(workerId: string, state: "loading" | "loaded" | "unloaded" | "failed"): WorkerHeartbeat {
  return {
    v: 1,
    workerId,
    host: "box-1",
    pool: "cpu",
    hardware: { devices: [], vram: null, ram: { totalBytes: 8e9, freeBytes: 4e9 } },
    startedAt: Date.now() - 60_000,
    at: Date.now(),
    models: [{ name: "stories260K", token: "stories260K", contextSize: 256, slots: 4, freeSlots: 3, state }],
  };
}

describe("model registry API", () => {
  let nats: TestNats;
  let pg: TestDatabase;
  let db: OpenDatabase;
  let deps: AdminDeps;
  let buckets: PlatformBuckets;
  let app: OpenAPIHono;
  let modelsDir: string;

  beforeAll(async () => {
    nats = await useTestNats("registry");
    pg = await useTestDatabase();
    db = await openDatabase({ databaseUrl: pg.url, pgliteDir: "" });
    modelsDir = mkdtempSync(join(tmpdir(), "lantern-models-"));
    copyFileSync(bundledModel, join(modelsDir, "stories260K.gguf"));
    mkdirSync(join(modelsDir, "incoming"));
    writeFileSync(join(modelsDir, "incoming", "broken.gguf"), "not a gguf file at all");
    writeFileSync(join(modelsDir, "notes.txt"), "not a model");
    deps = await testAdminDeps({ natsUrl: nats.url, namespace: nats.namespace, db: db.db, modelsDir });
    buckets = await ensureBuckets(deps.nats.nc, deps.names, { workerTtlMs: 10_000 });
    await db.db.insert(models).values([
      { name: "stories260K", file: "stories260K.gguf", sizeBytes: 1, sha256: "270cba1b", source: { repo: "bundled" } },
      { name: "remote-7b", file: "remote/remote-7b.Q4_K_M.gguf", sizeBytes: 4_000_000_000, architecture: "llama", quantization: "Q4_K_M", contextLength: 4096, parameterCount: 7_000_000_000, hasChatTemplate: true },
    ]);
    app = new OpenAPIHono().route("/", registryApi(deps));
  });

  afterAll(async () => {
    await deps?.nats.nc.close();
    await db?.close();
    await pg?.drop();
    await nats?.stop();
    if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as any };
  };

  it("lists the bundled model file with its GGUF metadata, merged with its row", async () => {
    const { status, body } = await get("/api/models");
    expect(status).toBe(200);
    expect(body.models.map((m: { name: string }) => m.name)).toEqual(["broken", "remote-7b", "stories260K"]);
    const stories = body.models.find((m: { name: string }) => m.name === "stories260K");
    expect(stories).toMatchObject({
      file: "stories260K.gguf",
      onDisk: true,
      sizeBytes: statSync(bundledModel).size,
      architecture: "llama",
      // The file names no file type; all its tensors are F32.
      quantization: "F32",
      contextLength: 2048,
      parameterCount: 292_800,
      hasChatTemplate: false,
      metadataError: null,
      sha256: "270cba1b",
      source: { repo: "bundled" },
      loadedOn: [],
    });
    expect(stories.registeredAt).toEqual(expect.any(String));
  });

  it("shows a registered model that is not on this host, and a file whose header cannot be read", async () => {
    const { body } = await get("/api/models");
    const remote = body.models.find((m: { name: string }) => m.name === "remote-7b");
    expect(remote).toMatchObject({ onDisk: false, file: "remote/remote-7b.Q4_K_M.gguf", quantization: "Q4_K_M", contextLength: 4096, parameterCount: 7_000_000_000 });
    const broken = body.models.find((m: { name: string }) => m.name === "broken");
    expect(broken).toMatchObject({ onDisk: true, file: "incoming/broken.gguf", architecture: null });
    expect(broken.metadataError).toEqual(expect.any(String));
  });

  it("reads a replaced file again", async () => {
    copyFileSync(bundledModel, join(modelsDir, "incoming", "broken.gguf"));
    const { body } = await get("/api/models/broken");
    expect(body).toMatchObject({ metadataError: null, architecture: "llama", parameterCount: 292_800 });
  });

  it("shows where a model is loaded from the workers' heartbeats, as they change", async () => {
    await buckets.workers.put("w1", encodeMessage(WorkerHeartbeat, heartbeat("w1", "loaded")));
    await buckets.workers.put("w2", encodeMessage(WorkerHeartbeat, { ...heartbeat("w2", "failed"), pool: "vulkan", models: [{ ...heartbeat("w2", "failed").models[0]!, state: "failed", reason: "out of memory" }] }));
    await buckets.models.put("stories260K", encodeMessage(ModelCatalogEntry, { v: 1, name: "stories260K", token: "stories260K", contextSize: 256, firstServedAt: Date.parse("2026-05-01T00:00:00Z") }));
    let { status, body } = await get("/api/models/stories260K");
    expect(status).toBe(200);
    expect(body.firstServedAt).toBe("2026-05-01T00:00:00.000Z");
    expect(body.loadedOn).toEqual([
      expect.objectContaining({ workerId: "w1", host: "box-1", pool: "cpu", state: "loaded", slots: 4, freeSlots: 3, contextSize: 256 }),
      expect.objectContaining({ workerId: "w2", pool: "vulkan", state: "failed", reason: "out of memory" }),
    ]);

    await buckets.workers.put("w1", encodeMessage(WorkerHeartbeat, heartbeat("w1", "unloaded")));
    await buckets.workers.delete("w2");
    ({ body } = await get("/api/models/stories260K"));
    expect(body.loadedOn).toEqual([expect.objectContaining({ workerId: "w1", state: "unloaded" })]);
  });

  it("answers an unknown model with a 404 in the OpenAI shape", async () => {
    const { status, body } = await get("/api/models/nope");
    expect(status).toBe(404);
    expect(body).toEqual({ error: { message: expect.any(String), type: "invalid_request_error", param: "name", code: "not_found" } });
  });

  it("describes its routes in the OpenAPI document", () => {
    const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
    expect(Object.keys(doc.paths ?? {})).toEqual(expect.arrayContaining(["/api/models", "/api/models/{name}"]));
  });
});
