import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  decodeMessage,
  encodeMessage,
  ModelControlReply,
  ModelControlRequest,
  ModelEvent,
  natsNames,
  WorkerHeartbeat,
  type ServedModel,
} from "@lantern/shared/contracts";

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
          if (!err) seen.push(decodeMessage(ModelEvent, msg.data));
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
        if (msg?.subject.startsWith(names.subjects.modelEventsAll.slice(0, -1))) events.push(decodeMessage(ModelEvent, msg.data));
      }
      return events;
    },
  };
}
