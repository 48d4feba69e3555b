import { randomUUID } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeMessage, ModelEvent, type ComputePool, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";

type Stamped = "v" | "id" | "at" | "workerId" | "pool";
/** An event as the host describes it; the publisher stamps who, when and an id. */
type ModelEventBody = ModelEvent extends infer E ? (E extends ModelEvent ? Omit<E, Stamped> : never) : never;

interface ModelEventPublisherOptions {
  js: JetStreamClient;
  names: NatsNames;
  workerId: string;
  pool: ComputePool;
  logger: Logger;
}

/** Publishes `events.model.*` into the EVENTS stream; a failed publish is logged, never thrown at a model operation. */
export class ModelEventPublisher {
  constructor(private readonly opts: ModelEventPublisherOptions) {}

  async publish(body: ModelEventBody): Promise<void> {
    const event = { v: 1, id: randomUUID(), at: Date.now(), workerId: this.opts.workerId, pool: this.opts.pool, ...body } as ModelEvent;
    try {
      await this.opts.js.publish(this.opts.names.subjects.modelEvent(event.type), encodeMessage(ModelEvent, event), { msgID: event.id });
    } catch (err) {
      this.opts.logger.warn({ err, event: event.type, model: event.model }, "could not publish model event");
    }
  }
}
