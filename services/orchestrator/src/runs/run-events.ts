import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, PipelineEvent, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";

type WithoutEnvelope<T> = T extends unknown ? Omit<T, "v" | "runId" | "at" | "owner"> : never;
type PipelineEventBody = WithoutEnvelope<PipelineEvent>;

/** Publishes runs' progress on `events.pipeline.<runId>`; stream EVENTS keeps it for replay. */
export class RunEvents {
  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly names: NatsNames,
    private readonly logger: Logger,
  ) {}

  /** The events of one run, each naming its owner (the key the run is for). */
  forRun(runId: string, owner: string | null): RunEventSink {
    return new RunEventSink(this.nc, this.js, this.names, this.logger, runId, owner);
  }
}

class RunEventSink {
  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly names: NatsNames,
    private readonly logger: Logger,
    private readonly runId: string,
    private readonly owner: string | null,
  ) {}

  /** Stage and run events: stored before the run goes on, so a replay never misses one. */
  async publish(body: PipelineEventBody): Promise<void> {
    const { runId, owner } = this;
    const event = { v: 1, runId, owner, at: Date.now(), ...body } as PipelineEvent;
    try {
      await this.js.publish(this.names.subjects.pipelineEvents(runId), encodeMessage(PipelineEvent, event));
    } catch (err) {
      // Progress is a view of the run; the run's rows are what count, so it goes on.
      this.logger.warn({ err, runId, type: event.type }, "could not publish a pipeline event");
    }
  }

  /** Streamed text: many small events, published without waiting for each to be stored. */
  delta(stage: string, index: number, text: string): void {
    const { runId, owner } = this;
    const event: PipelineEvent = { v: 1, runId, owner, at: Date.now(), type: "stage.delta", stage, index, text };
    this.nc.publish(this.names.subjects.pipelineEvents(runId), encodeMessage(PipelineEvent, event));
  }

  /** One model's text in a stage, as it is generated: published like `delta`. */
  answerDelta(stage: string, index: number, model: string, role: "candidate" | "synthesis", text: string): void {
    const { runId, owner } = this;
    const event: PipelineEvent = { v: 1, runId, owner, at: Date.now(), type: "stage.answer.delta", stage, index, model, role, text };
    this.nc.publish(this.names.subjects.pipelineEvents(runId), encodeMessage(PipelineEvent, event));
  }
}
