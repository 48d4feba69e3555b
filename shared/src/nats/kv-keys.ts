import { jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * The bucket's keys, each once. `kv.keys()` can name a key twice: its consumer also delivers a value
 * written while the listing runs (a worker's heartbeat every few hundred ms does), so a caller that
 * builds a list from it would list that entry twice.
 */
export async function distinctKeys(kv: KV): Promise<string[]> {
  const keys = new Set<string>();
  for await (const key of await kv.keys()) keys.add(key);
  return [...keys];
}

/**
 * Every key the bucket has a message for, from one stream-info request: no consumer, so no wait on
 * its delivery bookkeeping (an ordered consumer that sees a delivery out of sequence recreates itself
 * and may end only on an idle heartbeat, seconds later). Deleted keys are listed too (their delete
 * marker is a message): read each and keep what is a PUT.
 */
export async function storedKeys(nc: NatsConnection, bucket: string): Promise<string[]> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
}
