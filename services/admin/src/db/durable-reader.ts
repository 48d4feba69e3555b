import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "@lantern/shared/logging";
import { errorMessage } from "./error-message.js";

interface DurableReaderOptions {
  js: JetStreamClient;
  stream: string;
  /** The durable consumer's name (made at start). */
  durable: string;
  /** Creates the durable consumer again when it went missing (deleted, or NATS lost its state). */
  ensureConsumer(): Promise<unknown>;
  /** The consumer's ack wait: a message being written is claimed again well within it. */
  ackWaitMs: number;
  /** First and longest pause between retries while the database (or NATS) is failing. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Called when a read fails: what was being pulled may have been lost on its way. */
  onReadFailed?(): void;
  logger: Logger;
}

/**
 * Reads a durable consumer into the database through outages of either. A failed read (NATS away,
 * the consumer deleted) recreates the consumer and reads again after a pause; a failed write is
 * tried again, with the messages still claimed, until it commits (then they are acked) or the
 * reader stops (then they are handed back): nothing is lost, and writes that are idempotent make a
 * redelivery harmless. Pauses double from `retryMinMs` up to `retryMaxMs`; `stop()` cuts them short.
 */
export class DurableReader {
  /** The last read or write failed; cleared by the next that succeeds. */
  retrying = false;
  lastError: { message: string; at: number } | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly opts: DurableReaderOptions) {
    this.retryMinMs = opts.retryMinMs ?? 250;
    this.retryMaxMs = opts.retryMaxMs ?? 5_000;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Calls `read` with the consumer until `stop()`; `what` names the reads in log lines. */
  start(what: string, read: (consumer: Consumer) => Promise<void>): void {
    this.running = (async () => {
      let consumer: Consumer | null = null;
      let delay = this.retryMinMs;
      while (!this.stopping) {
        try {
          consumer ??= await this.opts.js.consumers.get(this.opts.stream, this.opts.durable);
          await read(consumer);
          delay = this.retryMinMs;
        } catch (err) {
          this.opts.logger.warn({ err: this.failed(err), retryInMs: delay }, `${what} failed; retrying`);
          this.opts.onReadFailed?.();
          consumer = null;
          await this.pause(delay);
          delay = Math.min(this.retryMaxMs, delay * 2);
          await this.opts.ensureConsumer().catch(() => {});
        }
      }
    })();
  }

  /** A read worked again (a failing write never gets here: it retries until it commits). */
  readOk(): void {
    this.retrying = false;
  }

  /**
   * Runs `write` until it commits, then acks `msgs`; meanwhile keeps them claimed. When the reader
   * stops first, hands them back and resolves false. `what` names the write in log lines;
   * `beforeRetry` runs after each pause.
   */
  async commit(msgs: JsMsg[], what: string, write: () => Promise<void>, beforeRetry?: () => Promise<void>): Promise<boolean> {
    // Still ours, even through a slow connect or a long outage: without this JetStream would hand
    // the messages to another replica once ack_wait passed.
    const keepClaim = setInterval(() => {
      for (const m of msgs) m.working();
    }, this.opts.ackWaitMs / 3);
    try {
      let delay = this.retryMinMs;
      for (;;) {
        try {
          await write();
          for (const m of msgs) m.ack();
          if (delay > this.retryMinMs) this.opts.logger.info({ messages: msgs.length }, `${what} done after retrying`);
          this.retrying = false;
          return true;
        } catch (err) {
          this.opts.logger.warn({ err: this.failed(err), messages: msgs.length, retryInMs: delay }, `${what} failed; retrying`);
        }
        if (this.stopping) {
          for (const m of msgs) m.nak();
          return false;
        }
        await this.pause(delay);
        await beforeRetry?.();
        delay = Math.min(this.retryMaxMs, delay * 2);
      }
    } finally {
      clearInterval(keepClaim);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private failed(err: unknown): string {
    const message = errorMessage(err);
    this.retrying = true;
    this.lastError = { message, at: Date.now() };
    return message;
  }

  private async pause(ms: number): Promise<void> {
    const ac = new AbortController();
    this.wake = () => ac.abort();
    await sleep(ms, undefined, { signal: ac.signal }).catch(() => {});
    this.wake = null;
  }
}
