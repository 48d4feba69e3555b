import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { JobHeader, type ModelToken, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";

// The longest a job's preference for another worker keeps this one away, whatever its header says.
const MAX_PREFERENCE_MS = 1_000;
// The doorbell (the publish itself) can beat the job into the stream, by more on a loaded server:
// a pull that finds the own lane empty this soon after it rang looks again, sooner first.
const BELL_RECENT_MS = 250;
const FIRST_RECHECK_MS = 3;

/** A lane consumer to pull from, and whose it is. */
interface LaneSource {
  owner: string;
  durable: string;
}

interface LaneWatchOptions {
  nc: NatsConnection;
  names: NatsNames;
  model: ModelToken;
  workerId: string;
  /** Something may be waiting in a lane this worker should look at now. */
  onWork: () => void;
  /** A job was just published into this worker's own lane. */
  onOwnJob: () => void;
}

/**
 * Which lanes of a model this worker should pull from: its own (jobs offered to it first, because
 * one of its slots holds their prompt's prefix), and other workers' lanes holding a job whose
 * preference has lapsed (the owner is busy, draining or dead). It learns of both from the lanes'
 * doorbell, so a job waits for its preferred worker at most as long as its header says.
 */
export class LaneWatch {
  private ownMayHaveWork = true;
  private ownBellAt = 0;
  private recheckMs = FIRST_RECHECK_MS;
  private readonly due = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sub: Subscription | undefined;

  constructor(private readonly opts: LaneWatchOptions) {}

  start(): void {
    const { nc, names, model, workerId } = this.opts;
    this.sub = nc.subscribe(names.subjects.inferLanesOf(model), {
      callback: (_err, msg) => {
        const owner = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
        if (owner === workerId) {
          this.ownBellAt = Date.now();
          this.recheckMs = FIRST_RECHECK_MS;
          this.ownMayHaveWork = true;
          return this.opts.onOwnJob();
        }
        const until = Number(msg.headers?.get(JobHeader.preferredUntil));
        const wait = Number.isFinite(until) ? Math.min(Math.max(0, until - Date.now()), MAX_PREFERENCE_MS) : 0;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.rescue(owner);
        }, wait);
        this.timers.add(timer);
      },
    });
  }

  /** The own lane may hold work (a doorbell, or the poll looking for redeliveries). */
  ownLaneRang(): void {
    this.ownMayHaveWork = true;
    this.opts.onWork();
  }

  /** Another worker's lane holds a job that may now be taken by anyone. */
  rescue(owner: string): void {
    this.due.add(owner);
    this.opts.onWork();
  }

  /** Lanes to pull from, in order: the own one first, then lapsed ones. */
  sources(): LaneSource[] {
    const { names, model, workerId } = this.opts;
    const owners = [...(this.ownMayHaveWork ? [workerId] : []), ...this.due];
    return owners.map((owner) => ({ owner, durable: names.consumers.inferLane(model, owner) }));
  }

  /** A pull from the lane found nothing (more): stop looking there until told again. */
  drained(owner: string): void {
    if (owner !== this.opts.workerId) {
      this.due.delete(owner);
      return;
    }
    this.ownMayHaveWork = false;
    if (Date.now() - this.ownBellAt < BELL_RECENT_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.ownLaneRang();
      }, this.recheckMs);
      this.recheckMs *= 2;
      this.timers.add(timer);
    }
  }

  stop(): void {
    this.sub?.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

interface LaneSweeperOptions {
  jsm: JetStreamManager;
  names: NatsNames;
  model: ModelToken;
  workerId: string;
  /** Live workers' heartbeats: a lane whose owner has none is an orphan. */
  workers: KV;
  lanes: LaneWatch;
  everyMs: number;
  logger: Logger;
}

/**
 * Looks after the lanes of workers that died: a job left in one (never taken, or taken and
 * redelivered after its worker was lost) is rescued by this worker, and an empty orphan lane is
 * removed. A lane is only removed when its owner was seen dead twice in a row, so a gateway that
 * has not yet noticed the death finds the lane still there.
 */
export class LaneSweeper {
  private readonly timer: NodeJS.Timeout;
  private readonly deadBefore = new Set<string>();
  private sweeping = false;

  constructor(private readonly opts: LaneSweeperOptions) {
    this.timer = setInterval(() => void this.sweep(), opts.everyMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const { jsm, names, model, workerId, workers, lanes, logger } = this.opts;
    const prefix = names.consumers.inferLanePrefix(model);
    try {
      const dead = new Set<string>();
      for await (const info of jsm.consumers.list(names.streams.infer)) {
        const name = info.config.durable_name ?? info.name;
        if (!name.startsWith(prefix)) continue;
        const owner = name.slice(prefix.length);
        if (owner === workerId || (await isAlive(workers, owner))) continue;
        dead.add(owner);
        if (info.num_pending + info.num_ack_pending > 0) lanes.rescue(owner);
        else if (this.deadBefore.has(owner)) {
          await jsm.consumers.delete(names.streams.infer, name).catch(() => {});
          logger.info({ lane: name }, "removed the empty lane of a worker that is gone");
        }
      }
      this.deadBefore.clear();
      for (const owner of dead) this.deadBefore.add(owner);
    } catch (err) {
      logger.debug({ err }, "lane sweep failed; trying again later");
    } finally {
      this.sweeping = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function isAlive(workers: KV, workerId: string): Promise<boolean> {
  const entry = await workers.get(workerId).catch(() => null);
  return entry !== null && entry.operation === "PUT";
}
