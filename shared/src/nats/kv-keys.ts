import type { KV } from "@nats-io/kv";

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
