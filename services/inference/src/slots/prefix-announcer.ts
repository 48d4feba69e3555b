import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, PrefixHoldings, type ModelToken, type NatsNames, type SlotHoldings } from "@lantern/shared/contracts";

interface PrefixAnnouncerOptions {
  nc: NatsConnection;
  names: NatsNames;
  workerId: string;
  model: string;
  token: ModelToken;
  /** What the model's slots hold now. */
  holdings: () => SlotHoldings[];
  /** Announces again this often, so gateways that start later learn it and dead workers fade. */
  everyMs: number;
}

/**
 * Tells gateways what a model's slots hold (`prefix.<model>`), when a slot is taken or given back
 * and on a timer. Core NATS, fire and forget: a lost announcement costs one cache miss, no job.
 */
export class PrefixAnnouncer {
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: PrefixAnnouncerOptions) {
    this.timer = setInterval(() => this.announce(), opts.everyMs);
    this.timer.unref();
  }

  announce(slots: SlotHoldings[] = this.opts.holdings()): void {
    if (this.stopped || this.opts.nc.isClosed()) return;
    const { nc, names, workerId, model, token } = this.opts;
    nc.publish(names.subjects.prefixHoldings(token), encodeMessage(PrefixHoldings, { v: 1, workerId, model, at: Date.now(), slots }));
  }

  /** Stops announcing; gateways forget this worker's slots at once. */
  stop(): void {
    this.announce([]);
    this.stopped = true;
    clearInterval(this.timer);
  }
}
