import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../contracts/index.js";
import { kvStreamName } from "./kv-keys.js";
import { raiseReplicas, replicaPolicyOf, replicasRefused } from "./replicas.js";

export interface PlatformBuckets {
  workers: KV;
  models: KV;
}

interface BucketOptions {
  /** Heartbeats older than this vanish from the bucket. */
  workerTtlMs: number;
}


/** Opens a KV bucket, creating it with the connection's replicas when missing and raising them when fewer. */
async function ensureBucketWith(kvm: Kvm, jsm: JetStreamManager, name: string, opts: Parameters<Kvm["create"]>[1]): Promise<KV> {
  const { replicas } = replicaPolicyOf(jsm);
  try {
    const kv = await kvm.create(name, { history: 1, ...opts, replicas });
    // create() keeps an existing bucket's stream as it is, replicas included.
    await raiseReplicas(jsm, (await jsm.streams.info(kvStreamName(name))).config);
    return kv;
  } catch (err) {
    // Created by another process in between, or refused (replicas the server cannot place).
    const info = await jsm.streams.info(kvStreamName(name)).catch(() => {
      throw replicasRefused(kvStreamName(name), replicas, err);
    });
    await raiseReplicas(jsm, info.config);
    return kvm.open(name);
  }
}

export async function ensureBuckets(nc: NatsConnection, names: NatsNames, { workerTtlMs }: BucketOptions): Promise<PlatformBuckets> {
  const kvm = new Kvm(nc);
  const jsm = await jetstreamManager(nc);
  const [workers, models] = await Promise.all([
    ensureBucketWith(kvm, jsm, names.buckets.workers, { ttl: workerTtlMs }),
    ensureBucketWith(kvm, jsm, names.buckets.models, {}),
  ]);
  return { workers, models };
}

export interface EdgeBuckets {
  keys: KV;
  limits: KV;
  cache: KV;
  providers: KV;
  routes: KV;
  prices: KV;
}

/** How long and how much the response cache may hold at most; each entry also carries its own expiry from the key's policy. */
const CACHE_RETENTION = { maxAgeMs: 30 * 24 * 3_600_000, maxBytes: 512 * 1024 * 1024 } as const;


/** The buckets the edge reads (keys, providers, routes, prices: written by admin) and shares (limits, cache). */
export async function ensureEdgeBuckets(nc: NatsConnection, names: NatsNames): Promise<EdgeBuckets> {
  const kvm = new Kvm(nc);
  const jsm = await jetstreamManager(nc);
  const [keys, limits, cache, providers, routes, prices] = await Promise.all([
    ensureBucketWith(kvm, jsm, names.buckets.keys, {}),
    ensureBucketWith(kvm, jsm, names.buckets.limits, {}),
    ensureBucketWith(kvm, jsm, names.buckets.cache, { ttl: CACHE_RETENTION.maxAgeMs, max_bytes: CACHE_RETENTION.maxBytes }),
    ensureBucketWith(kvm, jsm, names.buckets.providers, {}),
    ensureBucketWith(kvm, jsm, names.buckets.routes, {}),
    ensureBucketWith(kvm, jsm, names.buckets.prices, {}),
  ]);
  return { keys, limits, cache, providers, routes, prices };
}
