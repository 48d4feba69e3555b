import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, UsageMessage, usageEventsOf, type NatsNames, type UsageEvent } from "../contracts/index.js";
import { readStreamRange } from "../nats/stream-range.js";

/** Every usage event in the EVENTS stream, in the order stored, with batches opened. */
export async function usageEventsInStream(nc: NatsConnection, names: NatsNames): Promise<UsageEvent[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(names.streams.events, { subjects_filter: names.subjects.usageEvent });
  const events: UsageEvent[] = [];
  if ((state.subjects?.[names.subjects.usageEvent] ?? 0) === 0) return events;
  for await (const msgs of readStreamRange(nc, { stream: names.streams.events, subject: names.subjects.usageEvent })) {
    for (const msg of msgs) events.push(...usageEventsOf(decodeMessage(UsageMessage, msg.data)));
  }
  return events;
}
