import type { KV, KvEntry } from "@nats-io/kv";
import {
  decodeMessage,
  ModelCatalogEntry,
  WorkerHeartbeat,
  type ServedModel,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { bounded, followBucket } from "@lantern/shared/nats";
import { SilentWatch } from "./silent-watch.js";

/** A model entry jobs can be sent to (entries from workers without model states are loaded). */
const servable = (m: ServedModel) => m.state !== "failed";

/**
 * The worker can run jobs for this model: loaded, loading, or unloaded for idling (a job makes
 * such a worker load it again). A worker whose load of it failed cannot.
 */
const runsJobsFor = (name: string) => (w: WorkerHeartbeat) => w.models.some((m) => m.name === name && servable(m));

interface SeenWorker {
  heartbeat: WorkerHeartbeat;
  /** Local receive time, so liveness never depends on clocks agreeing across hosts. */
  seenAt: number;
  /** The KV revision it came with: a re-read finding a higher one has seen a newer heartbeat. */
  revision: number;
}

interface WorkerRegistryOptions {
  workers: KV;
  models: KV;
  heartbeatTtlMs: number;
  /**
   * Whether KV `workers` can store heartbeats now (its stream has a leader). Asked only while the
   * watch is silent and no worker's entry moved on: then either every worker stopped, or none can write.
   */
  heartbeatsStorable?: () => Promise<boolean>;
  logger: Logger;
}

/** Workers are kept live at most this long while their heartbeats cannot be stored or read. */
const MAX_HOLD_MS = 60_000;
/** A worker silent this long past its TTL is forgotten (until its heartbeats come through the watch again). */
const FORGET_AFTER_MS = 60_000;
/**
 * Heartbeat TTLs since its last beat within which a silent worker still has jobs queued for it:
 * a broker election or a node waking from a hang can keep beats from being stored or seen for
 * longer than one TTL while the worker itself runs on.
 */
const RECENT_TTLS = 3;
/** A direct read of a worker's entry answers within this, or this gateway counts as cut off. */
const REREAD_MS = 1_500;

/**
 * The gateway's view of the fleet, kept from watches on KV `workers` and `models`: no request
 * ever waits on a look-up. A worker is live while its last heartbeat is younger than the TTL.
 */
export class WorkerRegistry {
  private readonly workers = new Map<string, SeenWorker>();
  private readonly catalog = new Map<string, ModelCatalogEntry>();
  private readonly stops: Array<() => void> = [];
  /** Since when KV `workers` could not store heartbeats (it was electing a leader): liveness is judged as of then. */
  private heldSince: number | undefined;

  constructor(private readonly opts: WorkerRegistryOptions) {}

  async start(): Promise<void> {
    // Workers beat well within a third of the TTL: that long without one means the watch is lost.
    const silence = new SilentWatch(Math.round(this.opts.heartbeatTtlMs / 3), (silentSince) => this.rereadWorkers(silentSince));
    this.stops.push(() => silence.stop());
    await Promise.all([
      this.watch(this.opts.workers, "workers", (entry, replayed) => {
        silence.heard();
        this.releaseHold();
        this.onWorker(entry, replayed);
      }),
      this.watch(this.opts.models, "models", (entry) => this.onModel(entry)),
    ]);
  }

  /**
   * Reads the known workers' entries directly while the watch is silent, so those still beating
   * stay live instead of all expiring together; a worker that is gone stays unchanged and expires.
   * When no read is answered either, this gateway is the one cut off (its NATS node hangs): it
   * cannot tell, so it judges the workers as of when it last heard from the bucket.
   */
  private async rereadWorkers(silentSince: number): Promise<void> {
    let movedOn = false;
    let answered = false;
    await Promise.all(
      [...this.workers].map(async ([id, seen]) => {
        try {
          const entry = await bounded(this.opts.workers.get(id), "worker heartbeat re-read", REREAD_MS);
          answered = true;
          // No entry at all is no news: the bucket ages out (max age = the TTL) the entry of a
          // worker whose beats could not be stored that long, though it runs on. A worker that
          // stopped leaves a delete marker.
          if (!entry) return;
          if (entry.operation !== "PUT") this.workers.delete(id);
          else if (entry.revision > seen.revision) {
            movedOn = true;
            this.workers.set(id, { heartbeat: decodeMessage(WorkerHeartbeat, entry.value), seenAt: Date.now(), revision: entry.revision });
          }
        } catch (err) {
          this.opts.logger.debug({ err, workerId: id }, "worker heartbeat re-read failed");
        }
      }),
    );
    if (movedOn) this.releaseHold();
    else if (this.workers.size > 0 && !answered) {
      if (this.heldSince === undefined) this.opts.logger.warn("KV workers cannot be read from here (this gateway's NATS node lost?); keeping the workers known until it can");
      this.heldSince ??= silentSince;
    } else if (this.workers.size > 0 && this.opts.heartbeatsStorable && !(await this.opts.heartbeatsStorable().catch(() => false))) {
      // A replica answers reads while the bucket elects a leader, but no worker can write: their
      // entries all stop at once. Refusing every request for want of a worker would be wrong. They
      // stopped when the newest heartbeat seen was written, seconds before this check could tell
      // (asking a bucket without a leader waits for a timeout): liveness is judged as of then.
      if (this.heldSince === undefined) this.opts.logger.warn("KV workers cannot store heartbeats (no leader); keeping the workers known until it can");
      this.heldSince ??= Math.min(Date.now(), Math.max(...[...this.workers.values()].map((seen) => seen.seenAt)));
    } else this.releaseHold();
  }

  /** Heartbeats can be stored again: the time they could not counts against no worker. */
  private releaseHold(now = Date.now()): void {
    if (this.heldSince === undefined) return;
    const held = Math.min(now - this.heldSince, MAX_HOLD_MS);
    for (const seen of this.workers.values()) seen.seenAt += held;
    this.heldSince = undefined;
  }

  /** The time liveness is judged at: now, or when heartbeats stopped being storable (for a minute at most). */
  private judgedAt(now: number): number {
    return this.heldSince !== undefined && now - this.heldSince < MAX_HOLD_MS ? this.heldSince : now;
  }

  /** Loads what is there now (so `start()` resolves with a full view), then follows changes. */
  private async watch(kv: KV, what: string, onEntry: (entry: KvEntry, replayed: boolean) => void): Promise<void> {
    const follower = await followBucket({ kv, what, logger: this.opts.logger, onEntry });
    this.stops.push(() => follower.stop());
  }

  private onWorker(entry: KvEntry, replayed: boolean): void {
    if (entry.operation !== "PUT") {
      this.workers.delete(entry.key);
      return;
    }
    const heartbeat = decodeMessage(WorkerHeartbeat, entry.value);
    // Entries replayed at start can be old: judge them by their own timestamp once.
    const age = replayed ? Math.max(0, Date.now() - entry.created.getTime()) : 0;
    this.workers.set(entry.key, { heartbeat, seenAt: Date.now() - age, revision: entry.revision });
  }

  private onModel(entry: KvEntry): void {
    if (entry.operation !== "PUT") return;
    const model = decodeMessage(ModelCatalogEntry, entry.value);
    this.catalog.set(model.name, model);
  }

  liveWorkers(now = Date.now()): WorkerHeartbeat[] {
    const at = this.judgedAt(now);
    const live: WorkerHeartbeat[] = [];
    for (const [id, seen] of this.workers) {
      if (at - seen.seenAt < this.opts.heartbeatTtlMs) live.push(seen.heartbeat);
      // Kept a while past its TTL: while the watch is silent, a re-read finds it beating again.
      else if (at - seen.seenAt > this.opts.heartbeatTtlMs + FORGET_AFTER_MS) this.workers.delete(id);
    }
    return live;
  }

  /**
   * Workers serving this model heard from within three TTLs: live, or silent for a moment. A job
   * for such a model is queued; it waits the queue timeout for a worker to take it.
   */
  recentWorkersFor(name: string, now = Date.now()): WorkerHeartbeat[] {
    const at = this.judgedAt(now);
    return [...this.workers.values()]
      .filter((seen) => at - seen.seenAt < RECENT_TTLS * this.opts.heartbeatTtlMs)
      .map((seen) => seen.heartbeat)
      .filter(runsJobsFor(name));
  }

  /** The worker's heartbeat is fresh. */
  isAlive(workerId: string, now = Date.now()): boolean {
    const seen = this.workers.get(workerId);
    return seen !== undefined && this.judgedAt(now) - seen.seenAt < this.opts.heartbeatTtlMs;
  }

  /** Any worker has ever served this model (it may be down now). */
  knowsModel(name: string): boolean {
    return this.catalog.has(name) || this.liveWorkers().some((w) => w.models.some((m) => m.name === name));
  }

  /** Why live workers failed to load this model, one line per worker. */
  loadFailures(name: string): string[] {
    return this.liveWorkers().flatMap((w) =>
      w.models.filter((m) => m.name === name && m.state === "failed").map((m) => `${w.workerId}: ${m.reason ?? "load failed"}`),
    );
  }

  /** Models served by at least one live worker, with when they were first seen. */
  servedModels(): Array<{ name: string; contextSize: number; firstServedAt: number }> {
    const served = new Map<string, { name: string; contextSize: number; firstServedAt: number }>();
    for (const worker of this.liveWorkers()) {
      for (const m of worker.models) {
        if (served.has(m.name) || !servable(m)) continue;
        const catalog = this.catalog.get(m.name);
        served.set(m.name, { name: m.name, contextSize: m.contextSize, firstServedAt: catalog?.firstServedAt ?? worker.startedAt });
      }
    }
    return [...served.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  stop(): void {
    for (const stop of this.stops) stop();
  }
}
