import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, UsageMessage, usageEventsOf, type NatsNames, type UsageEvent } from "../contracts/index.js";

/** Every usage event in the EVENTS stream, in the order stored, with batches opened. */
export async function usageEventsInStream(nc: NatsConnection, names: NatsNames): Promise<UsageEvent[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(names.streams.events);
  const events: UsageEvent[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(names.streams.events, { seq }).catch(() => null);
    if (msg?.subject !== names.subjects.usageEvent) continue;
    events.push(...usageEventsOf(decodeMessage(UsageMessage, msg.data)));
  }
  return events;
}
