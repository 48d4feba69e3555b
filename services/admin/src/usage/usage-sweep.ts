import { jetstreamManager } from "@nats-io/jetstream";
import { decodeMessage, UsageMessage, usageEventsOf, type UsageEvent } from "@lantern/shared/contracts";
import { afterEachReconnect, bounded, readStreamRange } from "@lantern/shared/nats";
import type { AdminDeps } from "../admin-deps.js";
import { insertUsageEvents } from "./usage-rows.js";

/** Messages read from the stream per fetch while sweeping. */
const SWEEP_BATCH = 500;
/**
 * How far before the last event acked a sweep starts: a whole batch the store may have been
 * holding when its read failed (the reader pulls up to 256 at once).
 */
const SWEEP_MARGIN = 256;

/** The most messages one sweep reads: a disturbance's worth at thousands of requests a second. */
const SWEEP_MOST = 100_000;

interface UsageSweepOptions {
  /** The consumer's delivered stream sequence when the store started: what came before is not this process's to sweep. */
  startedAt: number;
  /** How long after the last trouble the sweep runs: past the consumer's ack wait, so what it knows to hand out again has come. */
  delayMs: number;
  /** Called with the number of events a sweep stored that the consumer had passed over. */
  onStored?(stored: number): void;
}

/**
 * Stores the usage events a durable consumer passed over. A consumer whose leader is lost with
 * a NATS node can count as done a message it handed to a pull that never reached admin
 * (nats-server 2.9's replicated consumers move past a message when an ack for a later one reaches
 * a new leader that never learnt it was delivered): the message is never handed out again and its
 * event would be missing from `usage_events` for good. So each time admin's reads are disturbed
 * (a read fails, or the link to NATS comes back) the stream is read again, after the ack wait,
 * from just before the last event acked up to what the consumer has handed out, and whatever is
 * not stored yet is inserted (inserts skip ids already stored).
 */
export class UsageSweep {
  private from: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** The highest stream sequence of an event this store acked (or the consumer had handed out before it started). */
  private ackedThrough: number;

  constructor(
    private readonly deps: Pick<AdminDeps, "nats" | "names" | "db" | "logger">,
    private readonly opts: UsageSweepOptions,
  ) {
    this.ackedThrough = opts.startedAt;
    // Coming back to NATS disturbs reads even when none failed: a pull in flight may have been lost.
    afterEachReconnect(deps.nats.nc, "usage sweep", async () => this.disturbed(), deps.logger);
  }

  /** Events up to `seq` were stored and acked. */
  acked(seq: number): void {
    this.ackedThrough = Math.max(this.ackedThrough, seq);
  }

  /** Reads were disturbed now: sweep from just before the last acked event, once things are calm. */
  disturbed(): void {
    if (this.stopped) return;
    const from = Math.max(1, this.ackedThrough - SWEEP_MARGIN + 1);
    this.from = this.from === null ? from : Math.min(this.from, from);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), this.opts.delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private start(): void {
    this.timer = null;
    const from = this.from;
    if (from === null || this.stopped) return;
    if (this.running) {
      // One sweep at a time: this one runs after.
      this.disturbed();
      return;
    }
    this.from = null;
    this.running = this.sweep(from)
      .catch((err: unknown) => {
        this.deps.logger.warn({ err, from }, "sweeping the usage stream failed; trying again later");
        this.from = this.from === null ? from : Math.min(this.from, from);
        this.timer = setTimeout(() => this.start(), this.opts.delayMs);
        this.timer.unref();
      })
      .finally(() => {
        this.running = null;
      });
  }

  private async sweep(from: number): Promise<void> {
    const { nc } = this.deps.nats;
    const { streams, consumers, subjects } = this.deps.names;
    const info = await bounded(jetstreamManager(nc).then((jsm) => jsm.consumers.info(streams.events, consumers.usageStore)), "usage consumer info");
    const through = info.delivered.stream_seq;
    from = Math.max(from, through - SWEEP_MOST + 1);
    if (through < from) return;
    let read = 0;
    let stored = 0;
    for await (const msgs of readStreamRange(nc, { stream: streams.events, subject: subjects.usageEvent, fromSeq: from, throughSeq: through, batch: SWEEP_BATCH })) {
      if (this.stopped) return;
      const events: UsageEvent[] = [];
      for (const msg of msgs) {
        try {
          events.push(...usageEventsOf(decodeMessage(UsageMessage, msg.data)));
        } catch {
          // Undecodable: the store terminates it; nothing to insert.
        }
      }
      read += events.length;
      stored += await insertUsageEvents(this.deps.db, events);
    }
    if (stored > 0) {
      this.deps.logger.warn({ from, through, read, stored }, "stored usage events the consumer had passed over across a NATS leader change");
      this.opts.onStored?.(stored);
    } else {
      this.deps.logger.debug({ from, through, read }, "usage stream swept: nothing was missing");
    }
  }
}
