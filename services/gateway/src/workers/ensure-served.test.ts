import { expect, it } from "vitest";
import { encodeMessage, ModelCatalogEntry, type ServedModel } from "@lantern/shared/contracts";
import { waitFor } from "@lantern/shared/testing";
import { ApiError } from "../errors/api-error.js";
import { ensureServedBy } from "./ensure-served.js";
import { SilentWorkersBucket, startRegistry, TTL_MS } from "./worker-registry.fixture.js";

const model: ServedModel = { name: "m", token: "m", contextSize: 256, slots: 1, freeSlots: 1, state: "loaded" };

const refusal = (run: () => void): { status: number; code: string | null } | null => {
  try {
    run();
    return null;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, code: err.code };
  }
};

async function registryWithWorker(workers = new SilentWorkersBucket()) {
  workers.beat("w1", [model]);
  const catalog = new SilentWorkersBucket();
  catalog.put("m", encodeMessage(ModelCatalogEntry, { v: 1, name: "m", token: "m", contextSize: 256, firstServedAt: 1 }));
  return startRegistry(workers, undefined, catalog);
}

it("queues for a worker silent for a moment (past its TTL), and refuses at once three TTLs after its last beat", async () => {
  const workers = new SilentWorkersBucket();
  const registry = await registryWithWorker(workers);
  // Its beats could not be stored for a TTL: the bucket aged its entry out, though it runs on.
  workers.ageOut("w1");
  try {
    expect(refusal(() => ensureServedBy(registry, "m"))).toBeNull();
    await waitFor(() => !registry.isAlive("w1"), 10_000, "the worker to pass its TTL");
    // Not live, but heard from a moment ago: its jobs queue, as for a busy worker.
    expect(refusal(() => ensureServedBy(registry, "m"))).toBeNull();
    await waitFor(() => refusal(() => ensureServedBy(registry, "m")) !== null, 3 * TTL_MS + 2_000, "a refusal");
    expect(refusal(() => ensureServedBy(registry, "m"))).toEqual({ status: 503, code: "no_capacity" });
    expect(refusal(() => ensureServedBy(registry, "unknown"))).toEqual({ status: 404, code: "model_not_found" });
  } finally {
    registry.stop();
  }
});

it("refuses at once when the model's last worker stopped cleanly", async () => {
  const workers = new SilentWorkersBucket();
  const registry = await registryWithWorker(workers);
  workers.stopCleanly("w1");
  try {
    await waitFor(() => refusal(() => ensureServedBy(registry, "m")) !== null, TTL_MS, "the stop to be read");
    expect(refusal(() => ensureServedBy(registry, "m"))).toEqual({ status: 503, code: "no_capacity" });
  } finally {
    registry.stop();
  }
});
