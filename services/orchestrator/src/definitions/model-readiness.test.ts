import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { WorkerHeartbeat } from "@lantern/shared/contracts";
import { LOAD_MARGIN, modelStatus } from "./model-readiness.js";

const dir = mkdtempSync(join(tmpdir(), "lantern-readiness-"));
writeFileSync(join(dir, "m.gguf"), Buffer.alloc(1000));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const worker = (workerId: string, freeBytes: number, models: string[] = [], pool: WorkerHeartbeat["pool"] = "cpu"): WorkerHeartbeat => ({
  v: 1,
  workerId,
  host: "h",
  pool,
  hardware: { devices: [], vram: pool === "cpu" ? null : { totalBytes: 10_000, freeBytes }, ram: { totalBytes: 10_000, freeBytes: pool === "cpu" ? freeBytes : 0 } },
  startedAt: 0,
  at: 0,
  models: models.map((name) => ({ name, token: name, contextSize: 256, slots: 1, freeSlots: 1, state: "loaded" as const })),
});

const model = { name: "m", file: "m.gguf", required_for_base: false };

describe("whether a model can run", () => {
  it("is served where a live worker serves it", async () => {
    const status = await modelStatus(model, dir, [worker("w1", 0, ["m"])], ["p"]);
    expect(status).toMatchObject({ readiness: "served", servedBy: [{ workerId: "w1", state: "loaded" }], usedBy: ["p"], sizeBytes: 1000 });
  });

  it("is loadable where a worker has the file's size with the margin free, on its GPU when it has one", async () => {
    const status = await modelStatus(model, dir, [worker("small", 1100), worker("gpu", 2000, [], "cuda")], []);
    expect(status).toMatchObject({ readiness: "loadable", neededBytes: 1000 * LOAD_MARGIN, bestFreeBytes: 2000, bestWorkerId: "gpu" });
  });

  it("says how much it needs and how much is free when it does not fit", async () => {
    const status = await modelStatus(model, dir, [worker("w1", 1100)], []);
    expect(status.readiness).toBe("too_large");
    expect(status.detail).toBe("not served; needs about 1.2 KB to load, the most free on a live worker is 1.1 KB (w1)");
    expect([status.neededBytes, status.bestFreeBytes]).toEqual([1250, 1100]);
  });

  it("names the missing file, and the lack of any worker", async () => {
    expect((await modelStatus({ ...model, file: "gone.gguf" }, dir, [], [])).detail).toContain(`${join(dir, "gone.gguf")} does not exist`);
    expect((await modelStatus(model, dir, [], [])).readiness).toBe("no_worker");
  });
});
