import type { Subscription } from "@nats-io/transport-node";
import { decodeMessage, monitorKindMatches, UsageMessage, usageEventsOf, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { NatsLink } from "@lantern/shared/nats";
import type { QueueMonitor } from "../jobs/queue-monitor.js";
import type { WorkerRegistry } from "../workers/worker-registry.js";

interface MonitorEvent {
  kind: string;
  at: number;
  data: unknown;
}

/** An event with the key's id it belongs to: a request's, a task's or a run's (null: none); fleet events have none. */
type OwnedEvent = MonitorEvent & { owner?: string | null };

interface MonitorFollower {
  kinds: readonly string[];
  /** The key's id of the socket: it sees its own requests, tasks and runs only. Null (no keys): everything. */
  viewer: string | null;
  deliver(event: MonitorEvent): void;
}

interface MonitorHubOptions {
  nats: NatsLink;
  names: NatsNames;
  registry: WorkerRegistry;
  queues: QueueMonitor;
  /** How often worker and queue stats are sent. */
  statsMs: number;
  logger: Logger;
}

/** Events kept to show a monitor that opens what happened just before it (pipeline text deltas are not). */
const RECENT_KEPT = 300;
/** Tokens/s of a worker: the completion tokens of the requests it finished in this window. */
const RATE_WINDOW_MS = 10_000;

/**
 * Feeds every monitor socket of this gateway: one NATS subscription per event family and one
 * stats timer, held only while at least one socket follows something.
 */
export class MonitorHub {
  private readonly followers = new Set<MonitorFollower>();
  private readonly recent: OwnedEvent[] = [];
  /** Finished requests of the rate window: [finished at, worker ids, completion tokens]. */
  private readonly finished: Array<[number, string[], number]> = [];
  private subscriptions: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: MonitorHubOptions) {
    this.log = opts.logger.child({ component: "monitor" });
  }

  /**
   * Adds a follower and sends it what is known now of the kinds it follows. Resolves once the
   * server has the subscriptions, so every event published after it reaches the follower.
   */
  async follow(follower: MonitorFollower): Promise<() => void> {
    if (this.subscriptions.length === 0) this.start();
    this.followers.add(follower);
    await this.opts.nats.nc.flush();
    for (const event of this.recent) if (wants(follower, event)) follower.deliver(withoutOwner(event));
    for (const event of this.stats()) if (wants(follower, event)) follower.deliver(event);
    return () => {
      this.followers.delete(follower);
      if (this.followers.size === 0) this.stop();
    };
  }

  private start(): void {
    const { subjects } = this.opts.names;
    const families: Array<[string, string]> = [
      [subjects.modelEventsAll, "model"],
      [subjects.pipelineEventsAll, "pipeline"],
      [subjects.taskEventsAll, "task"],
      [subjects.usageEvent, "usage"],
    ];
    this.subscriptions = families.map(([subject, family]) =>
      this.opts.nats.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return this.log.warn({ err }, "monitor subscription failed");
          // A throw here would end the connection's reader: one bad body must never do that.
          try {
            if (family === "usage") this.onUsage(msg.data);
            else this.onEvent(family, msg.string());
          } catch (error) {
            this.log.warn({ err: error, subject: msg.subject }, "monitor event dropped");
          }
        },
      }),
    );
    this.timer = setInterval(() => {
      for (const event of this.stats()) this.publish(event);
    }, this.opts.statsMs);
    this.timer.unref();
  }

  stop(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
    this.subscriptions = [];
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Usage comes one event or a batch per message: followers see one event per request either way. */
  private onUsage(body: Uint8Array): void {
    let message: UsageMessage;
    try {
      message = decodeMessage(UsageMessage, body);
    } catch {
      return;
    }
    for (const usage of usageEventsOf(message)) {
      const { workerIds, completionTokens } = usage;
      if (workerIds.length > 0 && completionTokens > 0) this.finished.push([Date.now(), workerIds, completionTokens]);
      this.remember({ kind: "usage", at: usage.at, data: usage, owner: usage.keyId });
    }
  }

  private onEvent(family: string, body: string): void {
    let data: { type?: unknown; at?: unknown; owner?: unknown };
    try {
      data = JSON.parse(body) as typeof data;
    } catch {
      return;
    }
    const type = typeof data.type === "string" ? data.type : "";
    // Bodies carry their own type (`model.loaded`, `run.started`, `usage`); the kind names the family first.
    const kind = type === family || type.startsWith(`${family}.`) ? type : type ? `${family}.${type}` : family;
    // Task and run events name their key; model events belong to the fleet.
    const owner = family === "model" ? undefined : typeof data.owner === "string" ? data.owner : null;
    this.remember({ kind, at: typeof data.at === "number" ? data.at : Date.now(), data, owner });
  }

  private remember(event: OwnedEvent): void {
    if (event.kind !== "pipeline.stage.delta" && event.kind !== "pipeline.stage.answer.delta") {
      this.recent.push(event);
      if (this.recent.length > RECENT_KEPT) this.recent.shift();
    }
    this.publish(event);
  }

  private publish(event: OwnedEvent): void {
    const sent = withoutOwner(event);
    for (const follower of this.followers) if (wants(follower, event)) follower.deliver(sent);
  }

  /** The fleet now: live workers with their tokens/s, and every model's queue. */
  private stats(): MonitorEvent[] {
    const now = Date.now();
    while (this.finished.length > 0 && this.finished[0]![0] < now - RATE_WINDOW_MS) this.finished.shift();
    const tokens = new Map<string, number>();
    for (const [, workerIds, completionTokens] of this.finished) {
      for (const id of workerIds) tokens.set(id, (tokens.get(id) ?? 0) + completionTokens / workerIds.length);
    }
    const workers = this.opts.registry.liveWorkers(now).map((w) => ({ ...w, tokensPerSecond: ((tokens.get(w.workerId) ?? 0) * 1000) / RATE_WINDOW_MS }));
    return [
      { kind: "worker.stats", at: now, data: { workers } },
      { kind: "queue.stats", at: now, data: { queues: this.opts.queues.all() } },
    ];
  }
}

const wants = (follower: MonitorFollower, event: OwnedEvent) =>
  (follower.viewer === null || event.owner === undefined || event.owner === follower.viewer) &&
  follower.kinds.some((pattern) => monitorKindMatches(pattern, event.kind));

const withoutOwner = ({ kind, at, data }: OwnedEvent): MonitorEvent => ({ kind, at, data });
