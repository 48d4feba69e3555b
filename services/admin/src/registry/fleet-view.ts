import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { z } from "zod";
import {
  decodeMessage,
  ModelCatalogEntry,
  WORKER_HEARTBEAT_TTL_MS,
  WorkerHeartbeat,
  type FleetWorker,
  type ModelPlacement,
  type NatsNames,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { storedEntries } from "@lantern/shared/nats";

interface FleetView {
  /** The live workers' heartbeats, each with when it was written (NATS server time). */
  workers: FleetWorker[];
  /** Model name → the live workers serving it. */
  placements: Map<string, ModelPlacement[]>;
  /** Model name → when a worker first served it (every model ever served, from KV `models`). */
  served: Map<string, ModelCatalogEntry>;
}

/**
 * Reads where models are loaded from the workers' heartbeats in KV `workers` and the catalog in
 * KV `models`. Buckets that do not exist yet (no worker ever started) read as empty.
 */
export class FleetReader {
  private readonly buckets = new Map<string, Promise<KV>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
    private readonly logger: Logger,
  ) {}

  async read(): Promise<FleetView> {
    const [workers, catalog] = await Promise.all([this.entries(this.names.buckets.workers), this.entries(this.names.buckets.models)]);
    const placements = new Map<string, ModelPlacement[]>();
    const live: FleetWorker[] = [];
    for (const { value, created } of workers) {
      // The bucket's TTL removes dead workers' entries too; this also hides one that just stopped beating.
      if (Date.now() - created.getTime() > WORKER_HEARTBEAT_TTL_MS) continue;
      const beat = this.decode(WorkerHeartbeat, value);
      if (!beat) continue;
      live.push({ workerId: beat.workerId, host: beat.host, pool: beat.pool, hardware: beat.hardware, models: beat.models, seenAt: created.toISOString() });
      for (const m of beat.models) {
        const placement: ModelPlacement = {
          workerId: beat.workerId,
          host: beat.host,
          pool: beat.pool,
          state: m.state ?? "loaded",
          contextSize: m.contextSize,
          slots: m.slots,
          freeSlots: m.freeSlots,
          ...(m.memory ? { memory: m.memory } : {}),
          seenAt: created.toISOString(),
          ...(m.reason ? { reason: m.reason } : {}),
        };
        placements.set(m.name, [...(placements.get(m.name) ?? []), placement]);
      }
    }
    const served = new Map<string, ModelCatalogEntry>();
    for (const { value } of catalog) {
      const entry = this.decode(ModelCatalogEntry, value);
      if (entry) served.set(entry.name, entry);
    }
    live.sort((a, b) => a.workerId.localeCompare(b.workerId));
    return { workers: live, placements, served };
  }

  private decode<S extends z.ZodType>(schema: S, value: Uint8Array): z.output<S> | undefined {
    try {
      return decodeMessage(schema, value);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "ignoring an unreadable fleet entry");
      return undefined;
    }
  }

  private async entries(bucket: string): Promise<KvEntry[]> {
    try {
      return await storedEntries(this.nc, await this.bucket(bucket), bucket);
    } catch (err) {
      // Most often the bucket does not exist yet (no worker ever started); looked up again next time.
      this.buckets.delete(bucket);
      this.logger.debug({ bucket, err: (err as Error).message }, "fleet bucket not readable");
      return [];
    }
  }

  private bucket(name: string): Promise<KV> {
    let kv = this.buckets.get(name);
    if (!kv) {
      kv = new Kvm(this.nc).open(name);
      this.buckets.set(name, kv);
    }
    return kv;
  }
}
