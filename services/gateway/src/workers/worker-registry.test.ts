import { describe, expect, it } from "vitest";
import { waitFor } from "@lantern/shared/testing";
import type { WorkerRegistry } from "./worker-registry.js";
import { SilentWorkersBucket, startRegistry, TTL_MS } from "./worker-registry.fixture.js";

describe("the gateway's worker registry while its KV watch is silent", () => {
  it("keeps a worker that still beats into KV live and lets one that stopped beating expire", async () => {
    const bucket = new SilentWorkersBucket();
    bucket.beat("beating");
    bucket.beat("gone");
    const registry = await startRegistry(bucket);
    const beats = setInterval(() => bucket.beat("beating"), 200);
    try {
      expect(registry.liveWorkers().map((w) => w.workerId).sort()).toEqual(["beating", "gone"]);
      await waitFor(() => !registry.isAlive("gone"), 10_000, "the silent worker to expire");
      expect(registry.liveWorkers().map((w) => w.workerId)).toEqual(["beating"]);
    } finally {
      clearInterval(beats);
      registry.stop();
    }
  });

  it("takes a worker that had expired for live again as soon as its entry moves on, before the watch comes back", async () => {
    const bucket = new SilentWorkersBucket();
    bucket.beat("paused");
    const registry = await startRegistry(bucket);
    try {
      await waitFor(() => registry.liveWorkers().length === 0, 10_000, "the paused worker to expire");
      bucket.beat("paused");
      await waitFor(() => registry.isAlive("paused"), 5_000, "the worker beating again to be live");
    } finally {
      registry.stop();
    }
  });

  it("keeps the workers it knew while it cannot read KV workers either (its own NATS node hangs)", async () => {
    const bucket = new SilentWorkersBucket();
    bucket.beat("w1");
    bucket.beat("w2");
    const registry = await startRegistry(bucket);
    bucket.unreachable = true;
    try {
      await new Promise((r) => setTimeout(r, 3 * TTL_MS));
      expect(registry.liveWorkers().map((w) => w.workerId).sort()).toEqual(["w1", "w2"]);
      // Reachable again: w1 beats, w2 does not and expires.
      bucket.unreachable = false;
      await expectOnlyTheBeatingOneLive(bucket, registry);
    } finally {
      registry.stop();
    }
  });

  // Asking whether a bucket without a leader can store answers at once, or (a stream info request) only after a timeout.
  for (const answerAfterMs of [0, TTL_MS]) {
    const when = answerAfterMs === 0 ? "" : ", judged as of the newest heartbeat seen when finding that out takes longer than the TTL";
    it(`keeps the workers it knew while KV workers cannot store heartbeats, and judges them again once it can${when}`, async () => {
      const bucket = new SilentWorkersBucket();
      bucket.beat("w1");
      bucket.beat("w2");
      let storable = false;
      const registry = await startRegistry(bucket, () => new Promise((resolve) => setTimeout(() => resolve(storable), answerAfterMs)));
      try {
        // No entry moves on (nobody can write) for three TTLs: both stay live.
        await new Promise((r) => setTimeout(r, 3 * TTL_MS));
        expect(registry.liveWorkers().map((w) => w.workerId).sort()).toEqual(["w1", "w2"]);
        // The bucket has a leader again: w1 beats, w2 does not and expires.
        storable = true;
        await expectOnlyTheBeatingOneLive(bucket, registry);
      } finally {
        registry.stop();
      }
    });
  }
});

/** w1 beats, w2 does not: w2 expires and w1 stays live. */
async function expectOnlyTheBeatingOneLive(bucket: SilentWorkersBucket, registry: WorkerRegistry): Promise<void> {
  const beats = setInterval(() => bucket.beat("w1"), 200);
  try {
    await waitFor(() => !registry.isAlive("w2"), 10_000, "the worker that stopped to expire");
    expect(registry.liveWorkers().map((w) => w.workerId)).toEqual(["w1"]);
  } finally {
    clearInterval(beats);
  }
}
