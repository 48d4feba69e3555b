import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  decodeMessage,
  encodeMessage,
  MessageDecodeError,
  ModelControlReply,
  ModelControlRequest,
  ModelEvent,
  natsNames,
  WorkerHeartbeat,
  type ServedModel,
} from "@lantern/shared/contracts";

/** A worker's model event; pull and removal events share the `events.model.` prefix and are skipped. */
function workerModelEvent(data: Uint8Array): ModelEvent | undefined {
  try {
    return decodeMessage(ModelEvent, data);
  } catch (err) {
    if (err instanceof MessageDecodeError) return undefined;
    throw err;
  }
}

/** Looks at a test's fleet the way an operator or the admin service would: KV, control subjects, events. */
export function modelFleet(nc: NatsConnection, namespace: string) {
  const names = natsNames(namespace);
  return {
    names,

    /** The worker's latest heartbeat, read from the KV bucket's stream. */
    async heartbeat(workerId: string): Promise<WorkerHeartbeat> {
      const jsm = await jetstreamManager(nc);
      const bucket = names.buckets.workers;
      const entry = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${workerId}` });
      if (!entry) throw new Error(`no heartbeat from ${workerId}`);
      return decodeMessage(WorkerHeartbeat, entry.data);
    },

    async modelEntry(workerId: string, model: string): Promise<ServedModel | undefined> {
      return (await this.heartbeat(workerId)).models.find((m) => m.name === model);
    },

    /** Sends a load or unload command to one worker and reads its reply. */
    async command(workerId: string, request: ModelControlRequest | Record<string, unknown>): Promise<ModelControlReply> {
      const data = encodeMessage(ModelControlRequest, request as ModelControlRequest);
      const reply = await nc.request(names.subjects.modelControl(workerId), data, { timeout: 60_000 });
      return decodeMessage(ModelControlReply, reply.data);
    },

    /** Every model event live from now on (core subscription on `events.model.>`). */
    follow(): ModelEvent[] {
      const seen: ModelEvent[] = [];
      nc.subscribe(names.subjects.modelEventsAll, {
        callback: (err, msg) => {
          // Pull and removal events share the `events.model.` prefix; only worker model events are followed.
          const event = err ? undefined : workerModelEvent(msg.data);
          if (event) seen.push(event);
        },
      });
      return seen;
    },

    /** Every model event the EVENTS stream kept, oldest first: what a monitor replays. */
    async replay(): Promise<ModelEvent[]> {
      const jsm = await jetstreamManager(nc);
      const { state } = await jsm.streams.info(names.streams.events);
      const events: ModelEvent[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        const msg = await jsm.streams.getMessage(names.streams.events, { seq });
        const event = msg?.subject.startsWith(names.subjects.modelEventsAll.slice(0, -1)) ? workerModelEvent(msg.data) : undefined;
        if (event) events.push(event);
      }
      return events;
    },
  };
}
