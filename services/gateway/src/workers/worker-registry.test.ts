import type { KV, KvEntry } from "@nats-io/kv";
import { describe, expect, it } from "vitest";
import { encodeMessage, WorkerHeartbeat } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { waitFor } from "@lantern/shared/testing";
import { WorkerRegistry } from "./worker-registry.js";

const TTL_MS = 1_200;

/**
 * KV `workers` as a gateway sees it while the node holding its watch is lost: the watch delivers
 * nothing, direct reads of an entry still answer from a surviving replica.
 */
class SilentWorkersBucket {
  private readonly entries = new Map<string, { value: Uint8Array; revision: number }>();
  private revision = 0;

  beat(workerId: string): void {
    const beat: WorkerHeartbeat = { v: 1, workerId, host: "h", pool: "cpu", hardware: { devices: [], vram: null, ram: { totalBytes: 1, freeBytes: 1 } }, startedAt: 1, at: Date.now(), models: [] };
    this.entries.set(workerId, { value: encodeMessage(WorkerHeartbeat, beat), revision: ++this.revision });
  }

  kv(): KV {
    const entry = (key: string): KvEntry | null => {
      const found = this.entries.get(key);
      return found ? ({ key, value: found.value, revision: found.revision, operation: "PUT", created: new Date(), isUpdate: false } as unknown as KvEntry) : null;
    };
    const keys = [...this.entries.keys()];
    return {
      keys: async () => (async function* () { yield* keys; })(),
      get: async (key: string) => entry(key),
      // Never delivers: the watch's consumer is gone with its node.
      watch: async () => {
        let stop = () => {};
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        return { stop, [Symbol.asyncIterator]: async function* () { await stopped; } };
      },
    } as unknown as KV;
  }
}

describe("the gateway's worker registry while its KV watch is silent", () => {
  it("keeps a worker that still beats into KV live and lets one that stopped beating expire", async () => {
    const bucket = new SilentWorkersBucket();
    bucket.beat("beating");
    bucket.beat("gone");
    const models = new SilentWorkersBucket();
    const registry = new WorkerRegistry({ workers: bucket.kv(), models: models.kv(), heartbeatTtlMs: TTL_MS, logger: createLogger({ service: "test", level: "silent" }) });
    await registry.start();
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
});
