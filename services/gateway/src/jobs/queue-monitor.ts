import type { JetStreamManager, MsgRequest } from "@nats-io/jetstream";
import { PRIORITIES, toModelToken, type NatsNames, type Priority } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { bounded } from "@lantern/shared/nats";

/** Jobs of one model that no worker has started yet. */
export interface QueueStats {
  model: string;
  waiting: Record<Priority, number>;
  /** How long the oldest waiting job has waited, at any priority; null when none waits. */
  oldestWaitMs: number | null;
  /** When these figures were read from JetStream. */
  measuredAt: number;
}

interface QueueMonitorOptions {
  jsm: JetStreamManager;
  names: NatsNames;
  /** The models to watch (those live workers serve). */
  models: () => string[];
  pollMs: number;
  logger: Logger;
}

/** Readings tried before one is kept though jobs arrived while it was read. */
const STABLE_READ_ATTEMPTS = 3;

interface Reading extends QueueStats {
  /** The stream's last sequence before the counts were read: every job up to it is in them. */
  lastSeq: number;
}

/** A job this gateway queued, until a reading accounts for it. */
interface OwnJob {
  priority: Priority;
  /** When a worker took it or it was withdrawn. */
  leftAt?: number;
}

/**
 * Reads, every `pollMs`, how many jobs of each model wait at each priority and how old the
 * oldest is, from the workers' consumers: the same figures whichever gateway asks. Between
 * readings it corrects them with what it knows of its own jobs (queued since, or started since),
 * so a burst cannot slip past the queue bound and a drained queue is not refused on stale counts.
 */
export class QueueMonitor {
  private readonly readings = new Map<string, Reading>();
  private readonly ownJobs = new Map<string, Map<number, OwnJob>>();
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
    // Bounded: a request sent as the link drops may never settle, and would hold every later reading.
    this.reading ??= bounded(this.readAll(), "reading the job queues")
      .catch((err: unknown) => this.opts.logger.debug({ err }, "queue reading failed"))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readAll(): Promise<void> {
    const models = this.opts.models();
    for (let attempt = 1; ; attempt++) {
      const before = await this.lastSeq();
      if (before === undefined) return;
      const read = await Promise.all(
        models.map((m) =>
          this.read(m, before).catch((err: unknown) => {
            this.opts.logger.debug({ err, model: m }, "queue read failed");
            return undefined;
          }),
        ),
      );
      // A job stored while the counts were read may be in them or not: an own job among those
      // would be counted twice (a spurious queue_full) or not at all. Read again; if jobs keep
      // arriving, keep the reading that can only count too many, never too few.
      const after = await this.lastSeq();
      if (after !== before && attempt < STABLE_READ_ATTEMPTS) continue;
      this.keep(models, read);
      return;
    }
  }

  private async lastSeq(): Promise<number | undefined> {
    return (await this.opts.jsm.streams.info(this.opts.names.streams.infer).catch(() => undefined))?.state.last_seq;
  }

  private keep(models: string[], read: Array<Reading | undefined>): void {
    for (const model of [...this.readings.keys()]) if (!models.includes(model)) this.readings.delete(model);
    for (const reading of read) {
      if (!reading) continue;
      this.readings.set(reading.model, reading);
      this.forgetAccountedFor(reading);
    }
  }

  /** Drops own jobs that have left the queue and that this and later readings count correctly. */
  private forgetAccountedFor(reading: Reading): void {
    const own = this.ownJobs.get(reading.model);
    if (!own) return;
    for (const [seq, job] of own) {
      if (job.leftAt === undefined) continue; // still waiting: its leaving must be corrected for later
      if (seq > reading.lastSeq || job.leftAt <= reading.measuredAt) own.delete(seq);
    }
    if (own.size === 0) this.ownJobs.delete(reading.model);
  }

  private async read(model: string, lastSeq: number): Promise<Reading> {
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
    return { model, waiting, oldestWaitMs: oldest === null ? null : Math.max(0, measuredAt - oldest), measuredAt, lastSeq };
  }

  /** The latest reading for each watched model. */
  all(): QueueStats[] {
    return [...this.readings.values()]
      .map(({ model, waiting, oldestWaitMs, measuredAt }) => ({ model, waiting, oldestWaitMs, measuredAt }))
      .sort((a, b) => a.model.localeCompare(b.model));
  }

  get(model: string): QueueStats | undefined {
    return this.readings.get(model);
  }

  /** Jobs of `model` that would start before a new one at `priority` (its level and above). */
  ahead(model: string, priority: Priority): number {
    const levels = PRIORITIES.slice(0, PRIORITIES.indexOf(priority) + 1);
    const reading = this.readings.get(model);
    let ahead = reading ? levels.reduce((sum, level) => sum + reading.waiting[level], 0) : 0;
    for (const [seq, job] of this.ownJobs.get(model) ?? []) {
      if (!levels.includes(job.priority)) continue;
      const inReading = reading !== undefined && seq <= reading.lastSeq;
      if (!inReading && job.leftAt === undefined) ahead += 1;
      else if (inReading && job.leftAt !== undefined && job.leftAt > reading.measuredAt) ahead -= 1;
    }
    return Math.max(0, ahead);
  }

  /** A job this gateway stored at stream sequence `seq`. */
  noteQueued(model: string, priority: Priority, seq: number): void {
    const own = this.ownJobs.get(model) ?? new Map<number, OwnJob>();
    own.set(seq, { priority });
    this.ownJobs.set(model, own);
  }

  /** A job of this gateway that no longer waits: a worker took it, or it was withdrawn. */
  noteLeft(model: string, seq: number): void {
    const job = this.ownJobs.get(model)?.get(seq);
    if (job) job.leftAt ??= Date.now();
  }
}
