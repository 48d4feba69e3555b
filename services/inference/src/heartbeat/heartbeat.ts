import { hostname } from "node:os";
import type { KV } from "@nats-io/kv";
import {
  encodeMessage,
  ModelCatalogEntry,
  WorkerHeartbeat,
  type ComputePool,
  type ServedModel as ServedModelInfo,
  type WorkerHardware,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";

export interface HeartbeatOptions {
  workers: KV;
  models: KV;
  workerId: string;
  pool: ComputePool;
  intervalMs: number;
  /** Read at each beat: the models served and their free slots right now. */
  snapshot(): ServedModelInfo[];
  /** Read at each beat: devices and free memory right now. */
  hardware(): Promise<WorkerHardware>;
  logger: Logger;
}

/** Publishes this worker's presence and capacity into KV `workers`, and its models into KV `models`. */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly opts: HeartbeatOptions) {}

  async start(): Promise<void> {
    const now = Date.now();
    for (const m of this.opts.snapshot()) {
      const entry: ModelCatalogEntry = { v: 1, name: m.name, token: m.token, contextSize: m.contextSize, firstServedAt: now };
      const existing = await this.opts.models.get(m.token);
      if (!existing || existing.operation !== "PUT") {
        await this.opts.models.put(m.token, encodeMessage(ModelCatalogEntry, entry));
      }
    }
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err) => this.opts.logger.warn({ err }, "heartbeat failed"));
    }, this.opts.intervalMs);
  }

  private async beat(): Promise<void> {
    const beat: WorkerHeartbeat = {
      v: 1,
      workerId: this.opts.workerId,
      host: hostname(),
      pool: this.opts.pool,
      hardware: await this.opts.hardware(),
      startedAt: this.startedAt,
      at: Date.now(),
      models: this.opts.snapshot(),
    };
    await this.opts.workers.put(this.opts.workerId, encodeMessage(WorkerHeartbeat, beat));
  }

  /** Removes this worker from the registry at once, instead of waiting for its entry to go stale. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.opts.workers.delete(this.opts.workerId).catch(() => {});
  }
}
