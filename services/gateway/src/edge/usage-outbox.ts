import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeMessage, UsageEvent } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { bounded, NATS_TIMEOUT_MS } from "./bounded.js";

export interface UsageOutboxOptions {
  js: JetStreamClient;
  subject: string;
  /** Events held at most while NATS is unreachable; beyond it the oldest are dropped (and counted). */
  limit: number;
  logger: Logger;
  /** Events published side by side. */
  batch?: number;
}

/**
 * Publishes usage events off the response path. Each is published with its id as the JetStream
 * message id, so a retry after a lost ack is stored once. While NATS is unreachable events wait
 * here, bounded, and are retried with a growing pause.
 */
export class UsageOutbox {
  private queue: UsageEvent[] = [];
  private pumping: Promise<void> | undefined;
  private dropped = 0;
  private closed = false;

  constructor(private readonly opts: UsageOutboxOptions) {}

  get pending(): number {
    return this.queue.length;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  add(event: UsageEvent): void {
    this.queue.push(event);
    if (this.queue.length > this.opts.limit) {
      this.queue.shift();
      if (this.dropped++ % 1000 === 0) this.opts.logger.error({ dropped: this.dropped, limit: this.opts.limit }, "usage outbox full; dropping the oldest events");
    }
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Waits until every event is published, or until `timeoutMs` passed; then stops retrying. */
  async close(timeoutMs: number): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([this.drained(), deadline]);
    this.closed = true;
    if (this.queue.length > 0) this.opts.logger.error({ unpublished: this.queue.length }, "usage events left unpublished at shutdown");
  }

  private async drained(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    let pauseMs = 100;
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.slice(0, this.opts.batch ?? 256);
      const results = await Promise.allSettled(
        batch.map((event) =>
          bounded(this.opts.js.publish(this.opts.subject, encodeMessage(UsageEvent, event), { msgID: event.id, timeout: NATS_TIMEOUT_MS }), "usage publish"),
        ),
      );
      const published = new Set(batch.filter((_, i) => results[i]!.status === "fulfilled"));
      this.queue = this.queue.filter((event) => !published.has(event));
      const failed = batch.length - published.size;
      if (failed === 0) {
        pauseMs = 100;
        continue;
      }
      const reason = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      this.opts.logger.warn({ err: reason.reason, failed, pending: this.queue.length }, "publishing usage events failed; retrying");
      await new Promise((r) => setTimeout(r, pauseMs));
      pauseMs = Math.min(pauseMs * 2, 5_000);
    }
  }
}
