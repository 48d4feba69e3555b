import type { JetStreamManager, MsgRequest } from "@nats-io/jetstream";
import { PRIORITIES, toModelToken, type NatsNames, type Priority } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";

/** Jobs of one model that no worker has started yet. */
export interface QueueStats {
  model: string;
  waiting: Record<Priority, number>;
  /** How long the oldest waiting job has waited, at any priority; null when none waits. */
  oldestWaitMs: number | null;
  /** When these figures were read from JetStream. */
  measuredAt: number;
}

export interface QueueMonitorOptions {
  jsm: JetStreamManager;
  names: NatsNames;
  /** The models to watch (those live workers serve). */
  models: () => string[];
  pollMs: number;
  logger: Logger;
}

/**
 * Reads, every `pollMs`, how many jobs of each model wait at each priority and how old the
 * oldest is, from the workers' consumers: the same figures whichever gateway asks. Jobs this
 * gateway queued since the last reading are added, so a burst cannot slip past the queue bound
 * between two readings.
 */
export class QueueMonitor {
  private readonly stats = new Map<string, QueueStats>();
  private readonly queuedSinceReading = new Map<string, Record<Priority, number>>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  constructor(private readonly opts: QueueMonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.opts.pollMs);
    this.timer.unref();
    void this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads every watched model's queue now (one reading at a time). */
  refresh(): Promise<void> {
    this.reading ??= this.readAll().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readAll(): Promise<void> {
    const models = this.opts.models();
    const read = await Promise.all(models.map((m) => this.read(m).catch((err: unknown) => (this.opts.logger.debug({ err, model: m }, "queue read failed"), undefined))));
    for (const model of [...this.stats.keys()]) if (!models.includes(model)) this.stats.delete(model);
    for (const stats of read) {
      if (!stats) continue;
      this.stats.set(stats.model, stats);
      this.queuedSinceReading.delete(stats.model);
    }
  }

  private async read(model: string): Promise<QueueStats> {
    const { jsm, names } = this.opts;
    const token = toModelToken(model);
    const measuredAt = Date.now();
    const waiting = { high: 0, normal: 0, low: 0 };
    let oldest: number | null = null;
    for (const priority of PRIORITIES) {
      const info = await jsm.consumers.info(names.streams.infer, names.consumers.inferWorkers(token, priority)).catch(() => undefined);
      if (!info || info.num_pending === 0) continue;
      waiting[priority] = info.num_pending;
      // The first job after the last one handed to a worker. nats-server's MSG.GET takes
      // `next_by_subj` (2.9+); the client types list it for direct gets only.
      const next = await jsm.streams
        .getMessage(names.streams.infer, {
          seq: info.delivered.stream_seq + 1,
          next_by_subj: names.subjects.inferJob(token, priority),
        } as unknown as MsgRequest)
        .catch(() => null);
      if (next) oldest = Math.min(oldest ?? Infinity, next.time.getTime());
    }
    return { model, waiting, oldestWaitMs: oldest === null ? null : Math.max(0, measuredAt - oldest), measuredAt };
  }

  /** The latest reading for each watched model. */
  all(): QueueStats[] {
    return [...this.stats.values()].sort((a, b) => a.model.localeCompare(b.model));
  }

  get(model: string): QueueStats | undefined {
    return this.stats.get(model);
  }

  /** Jobs of `model` that would start before a new one at `priority` (its level and above). */
  ahead(model: string, priority: Priority): number {
    const levels = PRIORITIES.slice(0, PRIORITIES.indexOf(priority) + 1);
    const read = this.stats.get(model)?.waiting;
    const local = this.queuedSinceReading.get(model);
    return levels.reduce((sum, level) => sum + (read?.[level] ?? 0) + (local?.[level] ?? 0), 0);
  }

  noteQueued(model: string, priority: Priority): void {
    const local = this.queuedSinceReading.get(model) ?? { high: 0, normal: 0, low: 0 };
    local[priority] += 1;
    this.queuedSinceReading.set(model, local);
  }
}
