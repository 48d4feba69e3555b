import type { KV, KvEntry } from "@nats-io/kv";
import type { z } from "zod";
import { decodeMessage } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { followBucket, type BucketFollower } from "@lantern/shared/nats";

interface WatchedTableOptions<S extends z.ZodType> {
  kv: KV;
  schema: S;
  /** The bucket's name, for log lines. */
  what: string;
  /** What a value is looked up by (its name, its model), which need not be its KV key. */
  lookupKey: (value: z.output<S>) => string;
  logger: Logger;
}

/**
 * A KV bucket written by the admin service, held in memory and kept current by a watch (see
 * followBucket), so a request never waits on a look-up. `start()` resolves once everything already there is loaded.
 */
export class WatchedTable<S extends z.ZodType> {
  private readonly byLookup = new Map<string, z.output<S>>();
  /** KV key → lookup key, so a delete (which carries no value) finds what to drop. */
  private readonly lookupOfKey = new Map<string, string>();
  private follower: BucketFollower | undefined;

  constructor(private readonly opts: WatchedTableOptions<S>) {}

  get(lookupKey: string): z.output<S> | undefined {
    return this.byLookup.get(lookupKey);
  }

  values(): IterableIterator<z.output<S>> {
    return this.byLookup.values();
  }

  async start(): Promise<void> {
    const { kv, what, logger } = this.opts;
    this.follower = await followBucket({ kv, what, logger, onEntry: (entry) => this.apply(entry) });
  }

  stop(): void {
    this.follower?.stop();
  }

  private apply(entry: KvEntry): void {
    const previous = this.lookupOfKey.get(entry.key);
    if (entry.operation !== "PUT") {
      if (previous !== undefined) this.byLookup.delete(previous);
      this.lookupOfKey.delete(entry.key);
      return;
    }
    let value: z.output<S>;
    try {
      value = decodeMessage(this.opts.schema, entry.value);
    } catch (err) {
      // Keep serving the last good value rather than none.
      this.opts.logger.warn({ err, key: entry.key }, "ignoring unreadable entry");
      return;
    }
    const lookupKey = this.opts.lookupKey(value);
    if (previous !== undefined && previous !== lookupKey) this.byLookup.delete(previous);
    this.byLookup.set(lookupKey, value);
    this.lookupOfKey.set(entry.key, lookupKey);
  }
}
