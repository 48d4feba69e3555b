import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, ModelPullEvent, ModelRemovedEvent, natsNames, type ModelManifest, type NatsNames } from "@lantern/shared/contracts";
import { openModelStore, putModelFile } from "@lantern/shared/nats";
import { manifestPath, writeManifest } from "@lantern/shared/model-files";
import { BUNDLED_MODEL, BUNDLED_SHA256, BUNDLED_SIZE, bundledManifest, startFakeFetcher, waitFor, type FakeFetcher } from "@lantern/shared/testing";
import { startTestAdmin, TEST_ADMIN_TOKEN, type TestAdmin } from "../testing/test-admin.js";

interface SseEvent {
  event: string;
  data: any;
}

/** Reads a server-sent event stream to its end. */
async function readSse(res: Response): Promise<SseEvent[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((block) => {
      const fields = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":") && l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
      return fields.event ? { event: fields.event as string, data: JSON.parse(fields.data as string) } : null;
    })
    .filter((e): e is SseEvent => e !== null);
}

function manifestOf(name: string, file: string): ModelManifest {
  return bundledManifest(name, file, { repo: "ggml-org/models", file, revision: "main", commit: null, preset: null, url: "http://hub.invalid" });
}

describe("model pulls through the admin API", () => {
  let t: TestAdmin;
  let names: NatsNames;
  let modelsDir: string;
  let fetcher: FakeFetcher;

  const stream = (method: string, path: string, body?: unknown) =>
    fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, accept: "text/event-stream", ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    modelsDir = mkdtempSync(join(tmpdir(), "lantern-admin-models-"));
    // Pulled while the admin service was not running: registered from its manifest at start.
    copyFileSync(BUNDLED_MODEL, join(modelsDir, "earlier.gguf"));
    await writeManifest(modelsDir, manifestOf("earlier", "earlier.gguf"));
    t = await startTestAdmin("postgres", { MODELS_DIR: modelsDir });
    names = natsNames(t.nats.namespace);
    fetcher = await startFakeFetcher(t.nc, names, modelsDir);
  });

  afterAll(async () => {
    await fetcher?.stop();
    if (t) {
      const jsm = await jetstreamManager(t.nc);
      for (const s of [names.streams.models, names.streams.events, `OBJ_${names.objectStores.models}`]) await jsm.streams.delete(s).catch(() => {});
      await t.stop();
    }
    if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
  });

  it("registers a model whose manifest was on disk before it started", async () => {
    await waitFor(async () => (await t.call("GET", "/api/models/earlier")).body.registeredAt !== null, 30_000, "the registration");
    const { body } = await t.call("GET", "/api/models/earlier");
    expect(body).toMatchObject({ name: "earlier", file: "earlier.gguf", onDisk: true, sha256: BUNDLED_SHA256, source: { repo: "ggml-org/models" } });
  });

  it("queues a pull (202), replays its events over SSE, and registers the model", async () => {
    const { status, body } = await t.call("POST", "/api/models/pull", { preset: "stories260k" });
    expect(status).toBe(202);
    expect(body).toEqual({ pullId: expect.stringMatching(/^pull_/), events: `/api/models/pulls/${body.pullId}/events` });
    await waitFor(() => fetcher.commands.some((c) => c.pullId === body.pullId), 30_000, "the fetcher to take the pull");
    expect(fetcher.commands.find((c) => c.pullId === body.pullId)).toMatchObject({ target: { preset: "stories260k" } });

    const res = await stream("GET", body.events);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["model.pull.started", "model.pull.progress", "model.pull.done"]);
    expect(events.map((e) => ModelPullEvent.parse(e.data).pullId)).toEqual([body.pullId, body.pullId, body.pullId]);

    await waitFor(async () => (await t.call("GET", "/api/models/stories260K")).body.registeredAt !== null, 30_000, "the registration");
    const model = await t.call("GET", "/api/models/stories260K");
    expect(model.body).toMatchObject({ file: "stories260K.gguf", onDisk: true, sha256: BUNDLED_SHA256, source: { preset: "stories260k" } });
  });

  it("streams a pull as it happens when asked for text/event-stream", async () => {
    const res = await stream("POST", "/api/models/pull", { repo: "ggml-org/models", file: "tinyllamas/stories260K.gguf", revision: "main", name: "tiny", distribute: true });
    expect(res.status).toBe(200);
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["model.pull.started", "model.pull.progress", "model.pull.done"]);
    expect(events.at(-1)!.data.model).toMatchObject({ name: "tiny", file: "tinyllamas/stories260K.gguf" });
    const command = fetcher.commands.find((c) => c.pullId === events[0]!.data.pullId);
    expect(command).toMatchObject({ target: { repo: "ggml-org/models", file: "tinyllamas/stories260K.gguf", revision: "main" }, name: "tiny", distribute: true });
  });

  it("streams a failure with the near matches", async () => {
    const events = await readSse(await stream("POST", "/api/models/pull", { preset: "nope" }));
    expect(events.map((e) => e.event)).toEqual(["model.pull.failed"]);
    expect(events[0]!.data.error).toEqual({ code: "unknown_preset", message: "No preset named nope.", nearMatches: ["stories260k", "qwen2.5-0.5b-instruct"] });
  });

  it("refuses a bad pull with 400 naming the field", async () => {
    const cases: Array<[unknown, string, string]> = [
      [{}, "repo", "invalid_value"],
      [{ repo: "ggml-org/models" }, "file", "invalid_value"],
      [{ preset: "x", revision: "v2" }, "revision", "invalid_value"],
      [{ repo: "ggml-org/models", file: "../secrets.gguf" }, "file", "invalid_value"],
      [{ repo: "not a repo", file: "a.gguf" }, "repo", "invalid_value"],
      [{ preset: "x", distrib: true }, "distrib", "unknown_field"],
    ];
    const before = fetcher.commands.length;
    for (const [body, param, code] of cases) {
      const res = await t.call("POST", "/api/models/pull", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ type: "invalid_request_error", param, code });
    }
    expect(fetcher.commands.length).toBe(before);
  });

  it("answers 404 for the events of a pull that never was", async () => {
    const { status, body } = await t.call("GET", "/api/models/pulls/pull_never/events");
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ param: "pullId", code: "not_found" });
  });

  it("removes a model everywhere: file, manifest, object, registration, with an event", async () => {
    await waitFor(async () => (await t.call("GET", "/api/models/tiny")).body.registeredAt !== null, 30_000, "tiny's registration");
    const store = await openModelStore(t.nc, names);
    await putModelFile(store, { object: "tinyllamas/stories260K.gguf", path: BUNDLED_MODEL, sha256: BUNDLED_SHA256 });
    const removed: ModelRemovedEvent[] = [];
    const sub = t.nc.subscribe(names.subjects.modelRemoved, {
      callback: (_err, msg) => {
        removed.push(decodeMessage(ModelRemovedEvent, msg.data));
      },
    });
    await t.nc.flush();

    const { status, body } = await t.call("DELETE", "/api/models/tiny?everywhere=true");
    expect(status).toBe(200);
    expect(body).toEqual({ name: "tiny", file: "tinyllamas/stories260K.gguf", removed: { file: true, manifest: true, object: true, registration: true } });
    expect(existsSync(join(modelsDir, "tinyllamas", "stories260K.gguf"))).toBe(false);
    expect(existsSync(manifestPath(modelsDir, "tinyllamas/stories260K.gguf"))).toBe(false);
    const info = await store.info("tinyllamas/stories260K.gguf");
    expect(info === null || info.deleted).toBe(true);
    expect((await t.call("GET", "/api/models/tiny")).status).toBe(404);
    await waitFor(() => removed.length === 1, 10_000, "the removal event");
    expect(removed[0]).toMatchObject({ name: "tiny", file: "tinyllamas/stories260K.gguf" });
    sub.unsubscribe();

    const typo = await t.call("DELETE", "/api/models/storie260K");
    expect(typo.status).toBe(404);
    expect(typo.body.error.message).toContain("Did you mean: stories260K");
  });

  it("registers once however often a done event comes, and forgets only the file that was removed", async () => {
    const js = jetstream(t.nc);
    const manifest = manifestOf("replayed", "replayed.gguf");
    const done = (id: string): ModelPullEvent => ({ v: 1, id, at: Date.now(), pullId: "pull_replayed", fetcherId: "f", type: "model.pull.done", model: manifest, alreadyPresent: false, downloadedBytes: 1, durationMs: 1 });
    for (const id of ["d1", "d2"]) await js.publish(names.subjects.modelPullEvents("pull_replayed"), encodeMessage(ModelPullEvent, done(id)), { msgID: id });
    await waitFor(async () => (await t.call("GET", "/api/models/replayed")).status === 200, 30_000, "the registration");

    // A removal of some other file under the same name leaves the registration alone.
    const other: ModelRemovedEvent = { v: 1, id: "r1", at: Date.now(), type: "model.removed", name: "replayed", file: "elsewhere/replayed.gguf" };
    const mine: ModelRemovedEvent = { ...other, id: "r2", file: "replayed.gguf" };
    await js.publish(names.subjects.modelRemoved, encodeMessage(ModelRemovedEvent, other), { msgID: other.id });
    await js.publish(names.subjects.modelRemoved, encodeMessage(ModelRemovedEvent, mine), { msgID: mine.id });
    await waitFor(async () => (await t.call("GET", "/api/models/replayed")).status === 404, 30_000, "the registration to go");

    const health = await t.call("GET", "/api/health");
    expect(health.body.modelRegistrar).toMatchObject({ state: "registering" });
    expect(health.body.modelRegistrar.registered).toBeGreaterThanOrEqual(5);
  });

  it("describes the pull routes in the OpenAPI document", async () => {
    const { body } = await t.call("GET", "/openapi.json");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/api/models/pull", "/api/models/pulls/{pullId}/events", "/api/models/{name}"]));
    expect(Object.keys(body.paths["/api/models/{name}"])).toEqual(expect.arrayContaining(["get", "delete"]));
    expect(body.paths["/api/models/pull"].post.responses["202"]).toBeDefined();
  });
});
