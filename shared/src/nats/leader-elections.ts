import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { jetStreamApi } from "../contracts/index.js";

/**
 * When streams and consumers get a new leader, from JetStream's advisories: after a NATS node is
 * lost, what waits on a stream or a consumer without a leader can try again the moment one is
 * elected instead of at its next timeout. One subscription per connection, made on first use.
 */
export class LeaderElections {
  private streamSub: Subscription | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly nc: NatsConnection) {}

  /** The next time any stream of the account gets a leader; `cancel` when no longer waited for. */
  nextStreamElection(): { elected: Promise<void>; cancel(): void } {
    this.streamSub ??= this.nc.subscribe(jetStreamApi.streamLeaderElected, {
      callback: () => {
        const waiting = [...this.waiting];
        this.waiting.clear();
        for (const wake of waiting) wake();
      },
    });
    let wake!: () => void;
    const elected = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.add(wake);
    return { elected, cancel: () => this.waiting.delete(wake) };
  }

  /** Calls `listener` with the consumer's name whenever a consumer of `stream` gets a leader; returns the unsubscribe. */
  onConsumerElected(stream: string, listener: (consumer: string) => void): () => void {
    const sub = this.nc.subscribe(jetStreamApi.consumerLeaderElected(stream), {
      callback: (_err, msg) => listener(msg.subject.slice(msg.subject.lastIndexOf(".") + 1)),
    });
    return () => sub.unsubscribe();
  }
}

const perConnection = new WeakMap<NatsConnection, LeaderElections>();

/** The elections seen through `nc`, or through the connection behind a JetStream client or manager. */
export function leaderElections(client: NatsConnection | object): LeaderElections | undefined {
  const nc = "subscribe" in client ? (client as NatsConnection) : (client as { getConnection?: () => NatsConnection }).getConnection?.();
  if (!nc) return undefined;
  let elections = perConnection.get(nc);
  if (!elections) perConnection.set(nc, (elections = new LeaderElections(nc)));
  return elections;
}
