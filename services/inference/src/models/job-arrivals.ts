import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ModelToken, NatsNames } from "@lantern/shared/contracts";

/**
 * Notices jobs for a model this worker is not pulling for (it was unloaded for idling). A job
 * published to JetStream is also a core message on its subject, so a plain subscription sees it
 * arrive while the job itself waits in the queue for a puller.
 */
export class JobArrivals {
  constructor(private readonly opts: { nc: NatsConnection; jsm: JetStreamManager; names: NatsNames }) {}

  /** Calls `onArrival` for each job published for the model from now on; returns the way to stop. */
  watch(model: ModelToken, onArrival: () => void): () => void {
    const subscription = this.opts.nc.subscribe(this.opts.names.subjects.inferJobsOf(model), {
      callback: (err) => {
        if (!err) onArrival();
      },
    });
    return () => subscription.unsubscribe();
  }

  /** Whether jobs for the model are in the queue now (waiting, or running on another worker). */
  async waiting(model: ModelToken): Promise<boolean> {
    const info = await this.opts.jsm.streams.info(this.opts.names.streams.infer, {
      subjects_filter: this.opts.names.subjects.inferJobsOf(model),
    });
    return Object.values(info.state.subjects ?? {}).some((count) => count > 0);
  }
}
