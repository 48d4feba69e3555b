import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeMessage, UsageEvent, UsageEventBatch } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { publishThroughLeaderLoss } from "./leader-loss-publish.js";

// Long enough that a busy gateway sends tens of events per JetStream write (each write and its ack
// cost about as much as several requests' events), short enough that no one waits on it.
const DEFAULT_LINGER_MS = 25;

interface UsageOutboxOptions {
  js: JetStreamClient;
  subject: string;
  /** Events held at most while NATS is unreachable; beyond it the oldest are dropped (and counted). */
  limit: number;
  logger: Logger;
  /** Events published in one message at most. */
  batch?: number;
  /** How long the first event waits for others before a message leaves (a full batch leaves at once). */
  lingerMs?: number;
}

/**
 * Publishes usage events off the response path, as many as are waiting in one message: the first
 * waits a few milliseconds for company, so even requests that come one after another share
 * writes, and the NATS work is not done between a client's request and its next. A message that
 * failed is retried as it was, under the same JetStream message id, so a retry after a lost ack is
 * stored once. An event alone in its message (or added `alone`) goes as a plain `UsageEvent` with
 * its own id as the message id: JetStream then keeps one even when several gateways publish it.
 * A message sent while EVENTS elects a leader goes again the moment one is elected. While NATS is
 * unreachable events wait here, bounded, and are retried with a growing pause.
 */
export class UsageOutbox {
  private queue: UsageEvent[] = [];
  /** Events that another gateway may publish too: each goes in a message of its own. */
  private readonly alone = new WeakSet<UsageEvent>();
  /** Set while the first event of a message waits for company: ends the wait. */
  private endLinger: (() => void) | undefined;
  /** The batch being published, or retried. */
  private sending: UsageEvent[] = [];
  private pumping: Promise<void> | undefined;
  private dropped = 0;
  private closed = false;

  constructor(private readonly opts: UsageOutboxOptions) {}

  private get batchSize(): number {
    return this.opts.batch ?? 256;
  }

  get pending(): number {
    return this.queue.length + this.sending.length;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  add(event: UsageEvent, opts: { alone?: boolean } = {}): void {
    if (opts.alone) this.alone.add(event);
    this.queue.push(event);
    if (this.pending > this.opts.limit && this.queue.length > 0) {
      this.queue.shift();
      if (this.dropped++ % 1000 === 0) this.opts.logger.error({ dropped: this.dropped, limit: this.opts.limit }, "usage outbox full; dropping the oldest events");
    }
    this.startPump();
    if (this.queue.length >= this.batchSize) this.endLinger?.();
  }

  /**
   * Starts the message loop unless it runs. When it ends it looks at the queue again: an event added
   * while it was ending (in a microtask between its last look and its end, as when a publish's ack
   * and a stream's end arrive in one read) would otherwise wait for the next event, for good once
   * the traffic stops.
   */
  private startPump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.opts.lingerMs ?? DEFAULT_LINGER_MS);
      this.endLinger = () => {
        clearTimeout(timer);
        resolve();
      };
    })
      .then(() => {
        this.endLinger = undefined;
        return this.pump();
      })
      .finally(() => {
        this.pumping = undefined;
        if (this.pending > 0) this.startPump();
      });
  }

  /** Waits until every event is published, or until `timeoutMs` passed; then stops retrying. */
  async close(timeoutMs: number): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([this.drained(), deadline]);
    this.closed = true;
    if (this.pending > 0) this.opts.logger.error({ unpublished: this.pending }, "usage events left unpublished at shutdown");
  }

  private async drained(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** How many events from the head of the queue go in the next message. */
  private nextMessageSize(): number {
    let n = 0;
    while (n < this.queue.length && n < this.batchSize && !this.alone.has(this.queue[n]!)) n++;
    return Math.max(1, n);
  }

  private async pump(): Promise<void> {
    let pauseMs = 100;
    while ((this.sending.length > 0 || this.queue.length > 0) && !this.closed) {
      if (this.sending.length === 0) this.sending = this.queue.splice(0, this.nextMessageSize());
      const events = this.sending;
      try {
        const [message, msgID] =
          events.length === 1
            ? [encodeMessage(UsageEvent, events[0]!), events[0]!.id]
            : [encodeMessage(UsageEventBatch, { v: 1, type: "usage.batch", events }), `${events[0]!.id}+${events.length}`];
        await publishThroughLeaderLoss(this.opts.js, this.opts.subject, message, { msgID });
        this.sending = [];
        pauseMs = 100;
      } catch (err) {
        this.opts.logger.warn({ err, failed: events.length, pending: this.pending }, "publishing usage events failed; retrying");
        await new Promise((r) => setTimeout(r, pauseMs));
        pauseMs = Math.min(pauseMs * 2, 5_000);
      }
    }
  }
}
