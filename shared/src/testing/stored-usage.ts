import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, UsageMessage, usageEventsOf, type NatsNames, type UsageEvent } from "../contracts/index.js";
import { readStreamRange } from "../nats/stream-range.js";

/** Every usage event in the EVENTS stream, in the order stored, with batches opened. */
export async function usageEventsInStream(nc: NatsConnection, names: NatsNames): Promise<UsageEvent[]> {
  const jsm = await jetstreamManager(nc);
  const events: UsageEvent[] = [];
  // The last one stored, as the stream's leader says: the read goes on until it.
  const last = await jsm.streams.getMessage(names.streams.events, { last_by_subj: names.subjects.usageEvent });
  if (!last) return events;
  for await (const msgs of readStreamRange(nc, { stream: names.streams.events, subject: names.subjects.usageEvent, throughSeq: last.seq })) {
    for (const msg of msgs) events.push(...usageEventsOf(decodeMessage(UsageMessage, msg.data)));
  }
  return events;
}
