import { Kvm } from "@nats-io/kv";
import type { Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeMessage,
  ModelControlReply,
  ModelControlRequest,
  ModelEstimateReply,
  ModelPullCancelReply,
  ModelPullCancelRequest,
  natsNames,
  WorkerHeartbeat,
  type MemoryFit,
  type NatsNames,
} from "@lantern/shared/contracts";
import { ensureBuckets } from "@lantern/shared/nats";
import { startTestAdmin, type TestAdmin } from "../testing/test-admin.js";

const WORKER = "w-fake";
const fit: MemoryFit = {
  gpuLayers: 0,
  totalLayers: 6,
  contextSize: 2048,
  slots: 1,
  contexts: 1,
  needed: { ramBytes: 12_000_000, vramBytes: 0 },
  available: { ramBytes: 8_000_000, vramBytes: null },
  capBytes: null,
  usedByWorkerBytes: 0,
};
const served = { name: "tiny", token: "tiny", contextSize: 2048, slots: 1, freeSlots: 1, state: "loaded" as const };

/** A worker's control subject and heartbeat, answering as a worker with 8 MB of free RAM would. */
function fakeWorker(t: TestAdmin, names: NatsNames): Subscription {
  return t.nc.subscribe(names.subjects.modelControl(WORKER), {
    callback: (_err, msg) => {
      const request = decodeMessage(ModelControlRequest, msg.data);
      if (request.op === "estimate") {
        msg.respond(encodeMessage(ModelEstimateReply, { v: 1, ok: true, fit, shortfalls: ["it needs 11.4 MiB of RAM but 7.6 MiB is free"] }));
      } else if (request.op === "load" && request.model.file === "missing.gguf") {
        msg.respond(encodeMessage(ModelControlReply, { v: 1, ok: false, error: { code: "file_not_found", message: "No file missing.gguf in the models dir." } }));
      } else if (request.op === "load") {
        msg.respond(encodeMessage(ModelControlReply, { v: 1, ok: true, model: served }));
      } else {
        msg.respond(encodeMessage(ModelControlReply, { v: 1, ok: true, model: { ...served, state: "unloaded", freeSlots: 0 } }));
      }
    },
  });
}

describe("workers and their model commands through the admin API", () => {
  let t: TestAdmin;
  let names: NatsNames;
  let worker: Subscription;

  beforeAll(async () => {
    t = await startTestAdmin("postgres");
    names = natsNames(t.nats.namespace);
    await ensureBuckets(t.nc, names, { workerTtlMs: 60_000 });
    const beat: WorkerHeartbeat = {
      v: 1,
      workerId: WORKER,
      host: "h1",
      pool: "cpu",
      hardware: { devices: [], vram: null, ram: { totalBytes: 16_000_000, freeBytes: 8_000_000 } },
      startedAt: Date.now(),
      at: Date.now(),
      models: [{ ...served, memory: { ramBytes: 12_000_000, vramBytes: 0 } }],
    };
    await (await new Kvm(t.nc).open(names.buckets.workers)).put(WORKER, encodeMessage(WorkerHeartbeat, beat));
    worker = fakeWorker(t, names);
  });
  afterAll(async () => {
    worker?.unsubscribe();
    await t?.stop();
  });

  it("lists live workers with their free memory, and placements with each model's memory", async () => {
    const { status, body } = await t.call("GET", "/api/workers");
    expect(status).toBe(200);
    expect(body.workers).toEqual([expect.objectContaining({ workerId: WORKER, pool: "cpu", hardware: expect.objectContaining({ ram: { totalBytes: 16_000_000, freeBytes: 8_000_000 } }) })]);
    const model = await t.call("GET", "/api/models/tiny");
    expect(model.body.loadedOn).toEqual([expect.objectContaining({ workerId: WORKER, state: "loaded", memory: { ramBytes: 12_000_000, vramBytes: 0 } })]);
  });

  it("answers the worker's own estimate with what it breaks", async () => {
    const { status, body } = await t.call("POST", `/api/workers/${WORKER}/fit`, { name: "tiny", file: "tiny.gguf" });
    expect(status).toBe(200);
    expect(body).toEqual({ workerId: WORKER, fit, fits: false, shortfalls: ["it needs 11.4 MiB of RAM but 7.6 MiB is free"] });
  });

  it("loads and unloads, and passes a worker's refusal on in words with a status", async () => {
    expect((await t.call("POST", `/api/workers/${WORKER}/models`, { name: "tiny", file: "tiny.gguf" })).body).toEqual({ workerId: WORKER, model: served });
    const unloaded = await t.call("DELETE", `/api/workers/${WORKER}/models/tiny`);
    expect(unloaded.body.model).toMatchObject({ state: "unloaded" });
    const missing = await t.call("POST", `/api/workers/${WORKER}/models`, { name: "gone", file: "missing.gguf" });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "file_not_found", message: "No file missing.gguf in the models dir." });
  });

  it("refuses a worker that is not live, and a spec the workers would refuse, naming the field", async () => {
    const ghost = await t.call("POST", "/api/workers/nobody/fit", { name: "tiny", file: "tiny.gguf" });
    expect(ghost.status).toBe(404);
    expect(ghost.body.error).toMatchObject({ param: "workerId", code: "not_found" });
    const bad = await t.call("POST", `/api/workers/${WORKER}/models`, { name: "tiny", file: "tiny.bin", slots: 65 });
    expect(bad.status).toBe(400);
    expect(["file", "slots"]).toContain(bad.body.error.param);
  });

  it("cancels a pull through the fetcher running it, and says when none is", async () => {
    const fetcher = t.nc.subscribe(names.subjects.modelPullCancel, {
      callback: (_err, msg) => {
        const { pullId } = decodeMessage(ModelPullCancelRequest, msg.data);
        if (pullId === "pull_running") msg.respond(encodeMessage(ModelPullCancelReply, { v: 1, pullId, fetcherId: "f1" }));
      },
    });
    await t.nc.flush();
    expect((await t.call("POST", "/api/models/pulls/pull_running/cancel")).body).toEqual({ pullId: "pull_running", cancelled: true, fetcherId: "f1" });
    const idle = await t.call("POST", "/api/models/pulls/pull_finished/cancel");
    expect(idle.status).toBe(409);
    expect(idle.body.error).toMatchObject({ code: "pull_not_running", param: "pullId" });
    fetcher.unsubscribe();
  });

  it("says in words that no fetcher runs when presets are asked for", async () => {
    const { status, body } = await t.call("GET", "/api/model-presets");
    expect(status).toBe(503);
    expect(body.error.message).toContain("No model fetcher is running");
  });
});
