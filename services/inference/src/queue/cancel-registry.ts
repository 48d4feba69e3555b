import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { NatsNames } from "@lantern/shared/contracts";
import { recentReplies } from "./recent-replies.js";

const REMEMBER_EARLY_CANCELS_MS = 120_000;
const MAX_EARLY_CANCELS = 10_000;

/**
 * Listens for cancels of any request and aborts the matching running job. A cancel that arrives
 * before its job is pulled is remembered for a while, so the job is dropped instead of started.
 * Also answers a gateway asking for a job's replies again (see RecentReplies).
 */
export class CancelRegistry {
  private readonly running = new Map<string, AbortController>();
  /** When each running job's cancel arrived, to report how fast its slot came free. */
  private readonly cancelledAt = new Map<string, number>();
  private readonly early = new Map<string, number>();
  private subscription: Subscription | undefined;
  private resends: Subscription | undefined;
  /** When a job last registered or was released (epoch ms): how long the registry's jobs have idled. */
  lastActivityAt = Date.now();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
  ) {}

  start(): void {
    const prefixLength = this.names.subjects.cancel("").length;
    this.subscription = this.nc.subscribe(this.names.subjects.cancelAll, {
      callback: (err, msg) => {
        if (err) return;
        this.cancel(msg.subject.slice(prefixLength));
      },
    });
    const resendPrefixLength = this.names.subjects.resend("").length;
    this.resends = this.nc.subscribe(this.names.subjects.resendAll, {
      callback: (err, msg) => {
        if (!err) recentReplies(this.nc).resend(msg.subject.slice(resendPrefixLength));
      },
    });
  }

  /** Registers a job; returns undefined when it was cancelled before it started. */
  register(requestId: string): AbortController | undefined {
    this.lastActivityAt = Date.now();
    if (this.early.delete(requestId)) return undefined;
    const controller = new AbortController();
    this.running.set(requestId, controller);
    return controller;
  }

  /** Forgets the job; returns ms since its cancel arrived, if it was cancelled. */
  release(requestId: string): number | undefined {
    this.lastActivityAt = Date.now();
    this.running.delete(requestId);
    const at = this.cancelledAt.get(requestId);
    this.cancelledAt.delete(requestId);
    return at === undefined ? undefined : performance.now() - at;
  }

  private cancel(requestId: string): void {
    const controller = this.running.get(requestId);
    if (controller) {
      this.cancelledAt.set(requestId, performance.now());
      controller.abort();
      return;
    }
    this.rememberEarly(requestId);
  }

  private rememberEarly(requestId: string): void {
    const now = Date.now();
    for (const [id, at] of this.early) {
      if (now - at < REMEMBER_EARLY_CANCELS_MS && this.early.size < MAX_EARLY_CANCELS) break;
      this.early.delete(id);
    }
    this.early.set(requestId, now);
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.resends?.unsubscribe();
    for (const controller of this.running.values()) controller.abort();
  }
}
