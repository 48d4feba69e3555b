import type { KV, KvEntry } from "@nats-io/kv";
import type { Logger } from "../logging/index.js";
import { bounded } from "./bounded.js";

export interface FollowOptions {
  kv: KV;
  /** The bucket's name, for log lines. */
  what: string;
  /** Every entry: first those already there (`replayed`), then every change in stream order. */
  onEntry(entry: KvEntry, replayed: boolean): void;
  logger: Logger;
  /** How often the bucket's last revision is compared with the last one delivered. */
  checkMs?: number;
}

export interface BucketFollower {
  /** An entry read directly (not delivered by the watch): applied unless as new a revision was. */
  take(entry: KvEntry): void;
  stop(): void;
}

/**
 * Loads a bucket's entries, then follows its changes with a watch, and keeps following when the
 * watch dies. A watch is a consumer on one NATS node: when that node is lost, nats.js notices only
 * after two missed idle heartbeats of 30 s and delivers nothing meanwhile (keys created or revoked,
 * prices changed). So every `checkMs` the bucket's last revision is compared with the last one the
 * watch delivered; behind twice running with nothing delivered in between, the watch is made again
 * from the revision after the last delivered. Resolves once the entries already there are applied.
 */
export async function followBucket(opts: FollowOptions): Promise<BucketFollower> {
  const { kv, logger } = opts;
  let delivered = 0;
  // Each key's revision applied last: what a watch replays or a second watch repeats is not applied again.
  const applied = new Map<string, number>();
  const apply = (entry: KvEntry, replayed: boolean, fromWatch = true) => {
    if (fromWatch) delivered = Math.max(delivered, entry.revision);
    if ((applied.get(entry.key) ?? 0) >= entry.revision) return;
    applied.set(entry.key, entry.revision);
    try {
      opts.onEntry(entry, replayed);
    } catch (err) {
      logger.warn({ err, bucket: opts.what, key: entry.key.slice(0, 16) }, "ignoring unreadable entry");
    }
  };
  for await (const key of await kv.keys()) {
    const entry = await kv.get(key);
    if (entry) apply(entry, true);
  }

  let stopped = false;
  let stopWatch: () => void = () => {};
  const watch = async (fromRevision: number) => {
    // First what it holds (each key's latest value, or the changes missed when resumed), then what changes.
    const made = kv.watch(fromRevision > 0 ? { resumeFromRevision: fromRevision } : {});
    const iter = await bounded(made, `watch of bucket ${opts.what}`).catch((err: unknown) => {
      // Made after all, too late: not left running beside the next one.
      made.then((late) => late.stop(), () => {});
      throw err;
    });
    stopWatch = () => iter.stop();
    if (stopped) iter.stop();
    void (async () => {
      for await (const entry of iter) apply(entry, !entry.isUpdate);
    })().catch((err: unknown) => logger.warn({ err, bucket: opts.what }, "watch ended"));
  };
  await watch(0);

  let behindAt: number | undefined;
  const check = async () => {
    const last = (await bounded(kv.status(), `status of bucket ${opts.what}`)).streamInfo.state.last_seq;
    if (last <= delivered) {
      behindAt = undefined;
      return;
    }
    if (behindAt !== delivered) {
      behindAt = delivered;
      return;
    }
    logger.info({ bucket: opts.what, delivered, last }, "the bucket's watch fell behind (its NATS node lost?); watching again from the next revision");
    stopWatch();
    // Failing (no leader to make the consumer yet), the next check tries again.
    await watch(delivered + 1);
    // Revisions up to `last` that the new watch does not deliver are gone (expired): not waited for again.
    delivered = Math.max(delivered, last);
    behindAt = undefined;
  };
  let checking = false;
  const timer = setInterval(() => {
    if (checking || stopped) return;
    checking = true;
    // Unanswered while the bucket elects a leader: the next check asks again.
    check()
      .catch((err: unknown) => logger.debug({ err, bucket: opts.what }, "watch check failed"))
      .finally(() => (checking = false));
  }, opts.checkMs ?? 2_000);
  timer.unref();

  return {
    take: (entry) => apply(entry, false, false),
    stop() {
      stopped = true;
      clearInterval(timer);
      stopWatch();
    },
  };
}
