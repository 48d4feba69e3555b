import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { decodeMessage, ModelPullEvent, type NatsNames } from "@lantern/shared/contracts";

export const TIMED_OUT = Symbol("timed out");

/**
 * The events of one pull, as they are published. Subscribed before the pull is queued, so
 * not even the first event can slip past; messages that are not pull events are skipped.
 */
export class PullEvents {
  private readonly queue: ModelPullEvent[] = [];
  private waiter: ((event: ModelPullEvent | typeof TIMED_OUT) => void) | null = null;
  private readonly sub: Subscription;

  private constructor(nc: NatsConnection, subject: string) {
    this.sub = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        let event: ModelPullEvent;
        try {
          event = decodeMessage(ModelPullEvent, msg.data);
        } catch {
          return;
        }
        const waiter = this.waiter;
        this.waiter = null;
        if (waiter) waiter(event);
        else this.queue.push(event);
      },
    });
  }

  /** Subscribes, and resolves once the server has the subscription. */
  static async open(nc: NatsConnection, names: NatsNames, pullId: string): Promise<PullEvents> {
    const events = new PullEvents(nc, names.subjects.modelPullEvents(pullId));
    await nc.flush();
    return events;
  }

  /** The next event, or TIMED_OUT after `timeoutMs` (no limit when omitted). */
  next(timeoutMs?: number): Promise<ModelPullEvent | typeof TIMED_OUT> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.waiter = null;
        resolve(TIMED_OUT);
      }, timeoutMs);
      this.waiter = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
    });
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
