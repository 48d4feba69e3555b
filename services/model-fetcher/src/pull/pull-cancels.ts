import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { decodeMessage, encodeMessage, ModelPullCancelReply, ModelPullCancelRequest, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";

/**
 * The pulls this fetcher is running, each with its own cancel signal, and the answer to
 * `fetcher.pull.cancel`: every fetcher hears it, only the one running the pull answers.
 */
export class PullCancels {
  private readonly running = new Map<string, AbortController>();

  /** A pull starts: its cancel signal, and `done` to call once it has settled. */
  track(pullId: string): { signal: AbortSignal; done(): void } {
    const controller = new AbortController();
    this.running.set(pullId, controller);
    return {
      signal: controller.signal,
      done: () => {
        if (this.running.get(pullId) === controller) this.running.delete(pullId);
      },
    };
  }

  answer(nc: NatsConnection, names: NatsNames, fetcherId: string, logger: Logger): Subscription {
    return nc.subscribe(names.subjects.modelPullCancel, {
      callback: (err, msg) => {
        if (err) return logger.warn({ err }, "pull cancel subscription failed");
        let pullId: string;
        try {
          pullId = decodeMessage(ModelPullCancelRequest, msg.data).pullId;
        } catch {
          return;
        }
        const controller = this.running.get(pullId);
        // Silence from every fetcher tells the caller nobody runs it.
        if (!controller) return;
        logger.info({ pullId }, "pull cancelled");
        controller.abort();
        msg.respond(encodeMessage(ModelPullCancelReply, { v: 1, pullId, fetcherId }));
      },
    });
  }
}
