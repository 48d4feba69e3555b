import { jetstreamManager } from "@nats-io/jetstream";
import type { KV, KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

/** The JetStream stream that holds a KV bucket. */
export function kvStreamName(bucket: string): string {
  return `KV_${bucket}`;
}

/**
 * Every key the bucket has a message for, from the stream's per-subject state: no consumer. A
 * consumer (`kv.keys()`) can miss a key rewritten while it lists, and one that sees a delivery out of
 * sequence recreates itself and may end only on an idle heartbeat, seconds later. Deleted keys are
 * listed too (their delete marker is a message): read each and keep what is a PUT.
 */
export async function storedKeys(nc: NatsConnection, bucket: string): Promise<string[]> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(kvStreamName(bucket), { subjects_filter: `${prefix}>` });
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
}

/** The value of every key `kv` (bucket `bucket`) holds now, deleted keys left out (see storedKeys). */
export async function storedEntries(nc: NatsConnection, kv: KV, bucket: string): Promise<KvEntry[]> {
  const entries: KvEntry[] = [];
  for (const key of await storedKeys(nc, bucket)) {
    const entry = await kv.get(key);
    if (entry && entry.operation === "PUT") entries.push(entry);
  }
  return entries;
}
