import type { KV, KvEntry } from "@nats-io/kv";
import { encodeMessage, WorkerHeartbeat, type ServedModel } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { WorkerRegistry } from "./worker-registry.js";

export const TTL_MS = 1_200;

/**
 * KV `workers` as a gateway sees it while the node holding its watch is lost: the watch delivers
 * nothing, direct reads of an entry still answer from a surviving replica.
 */
export class SilentWorkersBucket {
  private readonly entries = new Map<string, { value: Uint8Array; revision: number; operation: "PUT" | "DEL" }>();
  private revision = 0;

  beat(workerId: string, models: ServedModel[] = []): void {
    const beat: WorkerHeartbeat = { v: 1, workerId, host: "h", pool: "cpu", hardware: { devices: [], vram: null, ram: { totalBytes: 1, freeBytes: 1 } }, startedAt: 1, at: Date.now(), models };
    this.put(workerId, encodeMessage(WorkerHeartbeat, beat));
  }

  put(key: string, value: Uint8Array): void {
    this.entries.set(key, { value, revision: ++this.revision, operation: "PUT" });
  }

  /** A worker that stops cleanly deletes its entry: a delete marker. */
  stopCleanly(workerId: string): void {
    this.entries.set(workerId, { value: new Uint8Array(), revision: ++this.revision, operation: "DEL" });
  }

  /** The bucket's max age removes an entry not written for a TTL: nothing is left of it. */
  ageOut(key: string): void {
    this.entries.delete(key);
  }

  /** Reads go unanswered, as from a gateway whose own NATS node hangs. */
  unreachable = false;

  kv(): KV {
    const entry = (key: string): KvEntry | null => {
      const found = this.entries.get(key);
      return found ? ({ key, value: found.value, revision: found.revision, operation: found.operation, created: new Date(), isUpdate: false } as unknown as KvEntry) : null;
    };
    const keys = [...this.entries.keys()];
    return {
      keys: async () => (async function* () { yield* keys; })(),
      get: (key: string) => (this.unreachable ? new Promise<never>(() => {}) : Promise.resolve(entry(key))),
      // Never delivers: the watch's consumer is gone with its node.
      watch: async () => {
        let stop = () => {};
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        return { stop, [Symbol.asyncIterator]: async function* () { await stopped; } };
      },
    } as unknown as KV;
  }
}

export async function startRegistry(
  workers: SilentWorkersBucket,
  heartbeatsStorable?: () => Promise<boolean>,
  models = new SilentWorkersBucket(),
): Promise<WorkerRegistry> {
  const registry = new WorkerRegistry({
    workers: workers.kv(),
    models: models.kv(),
    heartbeatTtlMs: TTL_MS,
    heartbeatsStorable,
    logger: createLogger({ service: "test", level: "silent" }),
  });
  await registry.start();
  return registry;
}

