import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { Priority, PRIORITIES, type ModelToken, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { leaderElections } from "@lantern/shared/nats";
import { JobPuller, type JobMessage } from "./job-puller.js";
import type { LaneWatch } from "./worker-lanes.js";

interface DispatcherOptions {
  nc: NatsConnection;
  names: NatsNames;
  model: ModelToken;
  /** The durable consumer of each priority of this model. */
  durables: Record<Priority, string>;
  /** Jobs that may run at once (one per slot). */
  slots: number;
  /** Runs the job and settles its message; its slot is free again when it resolves. */
  execute(job: JobMessage): Promise<void>;
  /** How often an idle worker looks for work it was not told about (redeliveries, lost doorbells). */
  pollMs: number;
  /** A priority passed over for this long is looked at first, so low work is slowed, never starved. */
  agingMs: number;
  /** Lanes (jobs offered to one worker first) to look at before the shared queues; none without prefix affinity. */
  lanes?: LaneWatch;
  logger: Logger;
}

// A pull can reach the server before the job it was rung for is stored: look again this soon.
const RECHECK_AFTER_BELL_MS = 3;
const MOVED_ON = Symbol("moved on");
const BELL_RECENT_MS = 250;
// A no-wait pull is answered within milliseconds. One unanswered this long is left to answer in
// its own time (a job it brings is then started, or handed back when no slot is free) and the next
// consumer is asked: its leader may have been lost with a node, or the server holds the pull
// because the consumer still counts a withdrawn job (nats-server 2.9 answers that one only when a
// new job arrives).
const PULL_PATIENCE_MS = 1_000;
// When a job waits in this worker's lane, a pull in flight this long is not waited for any more.
const SLOW_PULL_MS = 100;

/**
 * Starts a model's jobs on its free slots, highest priority first. It pulls only while a slot is
 * free and only one job per pull, so a worker never holds work it cannot start. It learns of new
 * jobs from the job subjects themselves (every JetStream publish is also a core NATS message,
 * the "doorbell"), and otherwise polls every `pollMs`.
 */
export class ModelDispatcher {
  private free: number;
  private readonly running = new Set<Promise<void>>();
  private readonly puller: JobPuller;
  /** False once a pull found the priority empty, until a doorbell or the poll says otherwise. */
  private readonly mayHaveWork: Record<Priority, boolean> = { high: true, normal: true, low: true };
  private readonly bellAt: Partial<Record<Priority, number>> = {};
  /** Since when a priority with possible work has been passed over for a higher one. */
  private readonly passedOverSince: Partial<Record<Priority, number>> = {};
  private doorbell: Subscription | undefined;
  private unwatchElections: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private kicked = false;
  private wake: (() => void) | undefined;
  private lastActive = Date.now();

  constructor(private readonly opts: DispatcherOptions) {
    this.free = opts.slots;
    this.puller = new JobPuller(opts.nc, opts.names.streams.infer, undefined, (job) => this.adoptLate(job));
  }

  get slots(): number {
    return this.opts.slots;
  }
  get freeSlots(): number {
    return this.free;
  }
  /** When a job last started or ended here (or the dispatcher started). */
  get lastActiveAt(): number {
    return this.running.size > 0 ? Date.now() : this.lastActive;
  }

  start(): void {
    this.puller.start();
    this.opts.lanes?.start();
    this.doorbell = this.opts.nc.subscribe(this.opts.names.subjects.inferJobsOf(this.opts.model), {
      callback: (_err, msg) => {
        const level = Priority.safeParse(msg.subject.slice(msg.subject.lastIndexOf(".") + 1));
        if (!level.success) return;
        this.mayHaveWork[level.data] = true;
        this.bellAt[level.data] = Date.now();
        this.kick();
      },
    });
    // A consumer that just got a leader (after a NATS node was lost) answers now: a pull sent to it
    // before went unanswered and would hold it up to the puller's timeout.
    this.unwatchElections = leaderElections(this.opts.nc)?.onConsumerElected(this.opts.names.streams.infer, (consumer) => {
      this.puller.leaderElected(consumer);
      for (const level of PRIORITIES) this.mayHaveWork[level] = true;
      this.kick();
    });
    this.pollTimer = setInterval(() => {
      for (const level of PRIORITIES) this.mayHaveWork[level] = true;
      this.opts.lanes?.ownLaneRang();
      this.kick();
    }, this.opts.pollMs);
    this.loop = this.run();
  }

  /** A job waits in this worker's lane: look now, without waiting behind a pull the server holds. */
  laneRang(): void {
    this.puller.abandonSlowPulls(SLOW_PULL_MS);
    // A pull in flight may be young now and held all the same: look again once it could not be.
    setTimeout(() => this.puller.abandonSlowPulls(SLOW_PULL_MS), SLOW_PULL_MS + 1).unref();
    this.kick();
  }

  /** Something may be waiting: look now (if a slot is free). */
  kick(): void {
    this.kicked = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async nextKick(): Promise<void> {
    if (!this.kicked) await new Promise<void>((resolve) => (this.wake = resolve));
    this.kicked = false;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (this.free === 0) {
        await this.nextKick();
        continue;
      }
      let job: JobMessage | null;
      try {
        job = await this.takeNext();
      } catch (err) {
        this.opts.logger.warn({ err }, "pull failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!job) {
        await this.nextKick();
        continue;
      }
      if (this.stopping) {
        // Pulled while shutting down: hand it straight back for another worker.
        job.nak();
        break;
      }
      if (this.free === 0) {
        // A late answer took the slot while this pull was out.
        job.nak();
        continue;
      }
      this.startJob(job);
    }
  }

  /** Priorities in the order to look at now: a long-passed-over one first, else high to low. */
  private order(now: number): readonly Priority[] {
    for (const level of [...PRIORITIES].reverse()) {
      const since = this.passedOverSince[level];
      if (since !== undefined && now - since >= this.opts.agingMs) return [level, ...PRIORITIES.filter((l) => l !== level)];
    }
    return PRIORITIES;
  }

  /**
   * Lanes first: the own lane's jobs were offered here because a slot holds their prompt, and a
   * lapsed lane's jobs have already waited their preference out. A consumer whose pull is still
   * unanswered is passed over until it answers.
   */
  private async takeNext(): Promise<JobMessage | null> {
    for (const lane of this.opts.lanes?.sources() ?? []) {
      if (this.stopping || this.free === 0) return null;
      const job = await this.ask(lane.durable);
      if (job === MOVED_ON) continue;
      if (!job || job.info.pending === 0) this.opts.lanes!.drained(lane.owner);
      if (job) return job;
    }
    for (const level of this.order(Date.now())) {
      if (!this.mayHaveWork[level]) continue;
      if (this.stopping || this.free === 0) return null;
      const askedAt = Date.now();
      const job = await this.ask(this.opts.durables[level]);
      if (job === MOVED_ON) continue;
      const now = Date.now();
      if (job) {
        // The last one waiting, and nothing rung since asking: no need to look again until told.
        if (job.info.pending === 0 && (this.bellAt[level] ?? 0) < askedAt) this.mayHaveWork[level] = false;
        delete this.passedOverSince[level];
        for (const lower of PRIORITIES.slice(PRIORITIES.indexOf(level) + 1)) {
          if (this.mayHaveWork[lower]) this.passedOverSince[lower] ??= now;
        }
        return job;
      }
      this.mayHaveWork[level] = false;
      delete this.passedOverSince[level];
      const bell = this.bellAt[level];
      if (bell !== undefined && now - bell < BELL_RECENT_MS) {
        delete this.bellAt[level];
        setTimeout(() => {
          this.mayHaveWork[level] = true;
          this.kick();
        }, RECHECK_AFTER_BELL_MS).unref();
      }
    }
    return null;
  }

  /**
   * One consumer's next job, waiting for its answer only so long (not at all for a consumer whose
   * last pull went unanswered): after that the pull answers in its own time and MOVED_ON says to
   * ask the next consumer.
   */
  private async ask(durable: string): Promise<JobMessage | null | typeof MOVED_ON> {
    if (this.puller.inFlight(durable)) return MOVED_ON;
    const patience = this.puller.unanswered(durable) ? 0 : PULL_PATIENCE_MS;
    const answer = this.puller.pull(durable);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<typeof MOVED_ON>((resolve) => (timer = setTimeout(() => resolve(MOVED_ON), patience)));
    const first = await Promise.race([answer, gaveUp]);
    clearTimeout(timer);
    if (first === "unanswered") return MOVED_ON;
    if (first !== MOVED_ON) return first;
    answer.then(
      (job) => (job && job !== "unanswered" ? this.adoptLate(job) : this.kick()),
      (err: unknown) => this.opts.logger.warn({ err }, "late pull answer unreadable"),
    );
    return MOVED_ON;
  }

  /** A job whose pull was no longer waited for: run it if a slot is free, else hand it back. */
  private adoptLate(job: JobMessage): void {
    if (!this.stopping && this.free > 0) {
      this.startJob(job);
      return;
    }
    job.nak();
    for (const level of PRIORITIES) this.mayHaveWork[level] = true;
    this.kick();
  }

  private startJob(job: JobMessage): void {
    this.free--;
    this.lastActive = Date.now();
    const done: Promise<void> = this.opts
      .execute(job)
      .catch((err: unknown) => this.opts.logger.error({ err }, "job handling failed"))
      .then(() => {
        this.free++;
        this.lastActive = Date.now();
        this.running.delete(done);
        this.kick();
      });
    this.running.add(done);
  }

  /** Stops taking jobs; resolves when the jobs in hand have finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pollTimer);
    this.doorbell?.unsubscribe();
    this.unwatchElections?.();
    this.opts.lanes?.stop();
    this.kick();
    await this.loop;
    this.puller.stop();
    await Promise.all(this.running);
  }
}
