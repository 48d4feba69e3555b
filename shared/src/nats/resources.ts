import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ModelToken, NatsNames, Priority } from "../contracts/index.js";
import { raiseReplicas, replicaPolicyOf, replicasRefused } from "./replicas.js";

const nanos = (ms: number) => ms * 1_000_000;

/**
 * Creates a stream if missing, with the connection's replicas (NATS_REPLICAS); an existing one is
 * kept as is but for its replicas, raised when fewer (idempotent, safe under races).
 */
async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  let existing: StreamInfo;
  try {
    existing = await jsm.streams.info(config.name);
  } catch {
    const { replicas } = replicaPolicyOf(jsm);
    try {
      await jsm.streams.add({ ...config, num_replicas: replicas });
      return;
    } catch (err) {
      // Another process may have created it in between.
      existing = await jsm.streams.info(config.name).catch(() => {
        throw replicasRefused(config.name, replicas, err);
      });
    }
  }
  await raiseReplicas(jsm, existing.config);
}

/**
 * Creates the INFER work-queue stream if missing. Idempotent: an existing stream is kept as is.
 * Features used are all available on nats-server 2.9.
 */
export async function ensureInferStream(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  const config = {
    name: names.streams.infer,
    subjects: [names.subjects.inferAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    // Dedupe by request id: a gateway retrying a publish never queues the job twice.
    duplicate_window: nanos(120_000),
    // Jobs nobody pulled within an hour are garbage.
    max_age: nanos(3_600_000),
  };
  await ensureStream(jsm, config);
}

interface WorkerConsumerOptions {
  /** How long a pulled job may go without an ack or a `working()` before it is redelivered. */
  ackWaitMs: number;
  /** A job that killed this many workers is dropped instead of killing more. */
  maxDeliver: number;
}

interface DurableConsumerOptions {
  durable: string;
  /** Only messages on this subject; every message of the stream when absent. */
  filterSubject?: string;
  /** How long a pulled message may go without an ack or a `working()` before it is redelivered. */
  ackWaitMs: number;
  /** Deliveries before a message is given up on; -1 never gives up. */
  maxDeliver: number;
  maxWaiting?: number;
  /** The server removes the consumer after this long without a pull. */
  inactiveThresholdMs?: number;
}

/**
 * Creates (or reuses) a durable pull consumer with explicit acks from the start of the stream.
 * An existing one (made by an earlier version, or by another replica in between) is taken, its
 * ack wait and delivery limit brought to these: a setting changed since it was made takes effect.
 */
export async function ensureDurableConsumer(jsm: JetStreamManager, stream: string, opts: DurableConsumerOptions): Promise<string> {
  const existing = await jsm.consumers.info(stream, opts.durable).catch(() => null);
  if (existing) {
    const { ack_wait, max_deliver } = existing.config;
    if (ack_wait !== nanos(opts.ackWaitMs) || max_deliver !== opts.maxDeliver) {
      // Kept as it is where the server refuses the change: the consumer still works.
      await jsm.consumers.update(stream, opts.durable, { ack_wait: nanos(opts.ackWaitMs), max_deliver: opts.maxDeliver }).catch(() => {});
    }
    return opts.durable;
  }
  try {
    await jsm.consumers.add(stream, {
      durable_name: opts.durable,
      ...(opts.filterSubject ? { filter_subject: opts.filterSubject } : {}),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(opts.ackWaitMs),
      max_deliver: opts.maxDeliver,
      ...(opts.maxWaiting ? { max_waiting: opts.maxWaiting } : {}),
      ...(opts.inactiveThresholdMs ? { inactive_threshold: nanos(opts.inactiveThresholdMs) } : {}),
    });
  } catch (err) {
    await jsm.consumers.info(stream, opts.durable).catch(() => {
      throw err;
    });
  }
  return opts.durable;
}

/** Creates (or reuses) the durable consumer that every worker of one model pulls one priority from. */
export function ensureWorkerConsumer(
  jsm: JetStreamManager,
  names: NatsNames,
  model: ModelToken,
  priority: Priority,
  { ackWaitMs, maxDeliver }: WorkerConsumerOptions,
): Promise<string> {
  return ensureDurableConsumer(jsm, names.streams.infer, {
    durable: names.consumers.inferWorkers(model, priority),
    filterSubject: names.subjects.inferJob(model, priority),
    ackWaitMs,
    maxDeliver,
    maxWaiting: 4096,
  });
}

/**
 * A lane's consumer outlives a worker that died without a word by at most this long; other
 * workers' sweeps remove it sooner once it is empty.
 */
const LANE_INACTIVE_MS = 3_600_000;

/** Creates (or reuses) the consumer of one worker's lane of one model (see `inferLaneJob`). */
export function ensureLaneConsumer(
  jsm: JetStreamManager,
  names: NatsNames,
  model: ModelToken,
  workerId: string,
  { ackWaitMs, maxDeliver }: WorkerConsumerOptions,
): Promise<string> {
  return ensureDurableConsumer(jsm, names.streams.infer, {
    durable: names.consumers.inferLane(model, workerId),
    filterSubject: names.subjects.inferLaneOf(model, workerId),
    ackWaitMs,
    maxDeliver,
    inactiveThresholdMs: LANE_INACTIVE_MS,
  });
}

export async function ensureInferResources(nc: NatsConnection, names: NatsNames): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  await ensureInferStream(jsm, names);
  return jsm;
}

/** How long and how much of the platform's events the EVENTS stream keeps for replay. */
const EVENTS_RETENTION = { maxAgeMs: 7 * 24 * 3_600_000, maxBytes: 256 * 1024 * 1024 } as const;

/**
 * Creates the EVENTS stream if missing: limits retention over `events.>`, oldest dropped first
 * once it is older or larger than EVENTS_RETENTION, so a monitor or the admin service can replay
 * recent events. Idempotent; an existing stream is kept as is.
 */
export async function ensureEventsStream(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  const config = {
    name: names.streams.events,
    subjects: [names.subjects.eventsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(EVENTS_RETENTION.maxAgeMs),
    max_bytes: EVENTS_RETENTION.maxBytes,
    duplicate_window: nanos(120_000),
  };
  await ensureStream(jsm, config);
}

/**
 * Creates the MODELS work-queue stream if missing: pull commands, each taken by one fetcher and
 * removed once acknowledged. Deduplicated by pull id, so a retried publish queues one pull.
 */
export async function ensureModelsStream(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  await ensureStream(jsm, {
    name: names.streams.models,
    subjects: [names.subjects.modelPull],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(120_000),
    // A pull nobody took within a day is stale: the user has long given up on it.
    max_age: nanos(24 * 3_600_000),
  });
}

/**
 * Creates the PIPELINES work-queue stream if missing: one command per run to execute, taken by
 * one orchestrator and removed once acknowledged (the run finished or failed for good).
 * Deduplicated by message id, so a retried publish queues a run once.
 */
export async function ensurePipelinesStream(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  await ensureStream(jsm, {
    name: names.streams.pipelines,
    subjects: [names.subjects.pipelineRun],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(120_000),
    // A run nobody took within a day is stale; its row says it is still queued and a retry requeues it.
    max_age: nanos(24 * 3_600_000),
  });
}

/** The most memory stream REPLIES may take; past it the oldest replies go first (their streams can no longer be resumed). */
const REPLIES_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Creates the REPLIES stream if missing: in memory, limits retention over the kept replies of
 * resumable streams and their records, each dropped `windowS` after it arrived. The workers
 * core-publish their replies as before; capturing them costs the broker, not the gateway.
 * Idempotent; an existing stream is kept as is (all features are on nats-server 2.9).
 */
export async function ensureRepliesStream(jsm: JetStreamManager, names: NatsNames, windowS: number): Promise<void> {
  await ensureStream(jsm, {
    name: names.streams.replies,
    subjects: [names.subjects.keptRepliesAll, names.subjects.streamRecordAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.Memory,
    discard: DiscardPolicy.Old,
    max_age: nanos(windowS * 1_000),
    // Nothing here is published with a message id; the server only wants the window within max_age.
    duplicate_window: nanos(Math.min(windowS * 1_000, 120_000)),
    max_bytes: REPLIES_MAX_BYTES,
  });
}
