import { randomUUID } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeMessage, ModelPullEvent, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";

type Stamped = "v" | "id" | "at" | "pullId" | "fetcherId";
/** An event as a pull describes it; the publisher stamps the id, time, pull and fetcher. */
type PullEventBody = ModelPullEvent extends infer E ? (E extends ModelPullEvent ? Omit<E, Stamped> : never) : never;

/** Publishes a pull's events on `events.model.pull.<pullId>` (stream EVENTS). */
export class PullEventPublisher {
  constructor(
    private readonly opts: { js: JetStreamClient; names: NatsNames; fetcherId: string; logger: Logger },
  ) {}

  /** False when the event could not be stored (logged): the caller decides whether that matters. */
  async publish(pullId: string, body: PullEventBody): Promise<boolean> {
    const event = { v: 1, id: randomUUID(), at: Date.now(), pullId, fetcherId: this.opts.fetcherId, ...body } as ModelPullEvent;
    try {
      await this.opts.js.publish(this.opts.names.subjects.modelPullEvents(pullId), encodeMessage(ModelPullEvent, event), { msgID: event.id });
      return true;
    } catch (err) {
      this.opts.logger.warn({ err, pullId, event: event.type }, "could not publish a pull event");
      return false;
    }
  }
}
