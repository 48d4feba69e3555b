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

interface HeartbeatOptions {
  workers: KV;
  models: KV;
  workerId: string;
  pool: ComputePool;
  intervalMs: number;
  /** Read at each beat: the models, their states and free slots right now. */
  snapshot(): ServedModelInfo[];
  /** Read at each beat: devices and free memory right now. */
  hardware(): Promise<WorkerHardware>;
  logger: Logger;
}

/** Publishes this worker's presence and capacity into KV `workers`, and its models into KV `models`. */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  /** Models already in KV `models` (or found there), so each is written once per process. */
  private readonly catalogued = new Set<string>();
  /** Beats run one after another, so KV does not get an older snapshot after a newer one. */
  private last: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: HeartbeatOptions) {}

  async start(): Promise<void> {
    await this.beatNow();
    this.timer = setInterval(() => void this.beatNow().catch(() => {}), this.opts.intervalMs);
  }

  /**
   * Beats now (after any beat in progress, but waiting for it no longer than one interval): a
   * model's state changed and the fleet should know. A put sent while the server was away may go
   * unanswered for the whole request timeout, longer than the registry keeps a silent worker.
   */
  beatNow(): Promise<void> {
    if (this.stopped) return this.last;
    const previous = this.last.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const waitedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.intervalMs)));
    this.last = Promise.race([previous, waitedOut]).then(() => {
      clearTimeout(timer);
      return this.beat();
    });
    this.last.catch((err: unknown) => this.opts.logger.warn({ err }, "heartbeat failed"));
    return this.last;
  }

  /** Adds each newly loaded model to KV `models`, with when it was first served. */
  private async catalog(models: ServedModelInfo[]): Promise<void> {
    for (const m of models) {
      if ((m.state ?? "loaded") !== "loaded" || this.catalogued.has(m.token)) continue;
      const existing = await this.opts.models.get(m.token);
      if (!existing || existing.operation !== "PUT") {
        const entry: ModelCatalogEntry = { v: 1, name: m.name, token: m.token, contextSize: m.contextSize, firstServedAt: Date.now() };
        await this.opts.models.put(m.token, encodeMessage(ModelCatalogEntry, entry));
      }
      this.catalogued.add(m.token);
    }
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    const models = this.opts.snapshot();
    await this.catalog(models);
    const beat: WorkerHeartbeat = {
      v: 1,
      workerId: this.opts.workerId,
      host: hostname(),
      pool: this.opts.pool,
      hardware: await this.opts.hardware(),
      startedAt: this.startedAt,
      at: Date.now(),
      models,
    };
    await this.opts.workers.put(this.opts.workerId, encodeMessage(WorkerHeartbeat, beat));
  }

  /** Removes this worker from the registry at once, instead of waiting for its entry to go stale. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.last.catch(() => {});
    await this.opts.workers.delete(this.opts.workerId).catch(() => {});
  }
}
