import type { KV, KvEntry } from "@nats-io/kv";
import type { z } from "zod";
import { decodeMessage } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { bounded } from "./bounded.js";
import { followBucket, type BucketFollower } from "./bucket-follower.js";

/**
 * A bucket's entries held in memory and kept current by a watch (see followBucket), so a request
 * never waits on a KV look-up. `start()` resolves once everything already in the bucket is loaded.
 */
export class KvMirror<S extends z.ZodType> {
  private readonly entries = new Map<string, z.output<S>>();
  private follower: BucketFollower | undefined;
  /** Bumped on every change, so derived views know when to recompute. */
  private changes = 0;

  constructor(
    private readonly kv: KV,
    private readonly schema: S,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  async start(): Promise<void> {
    this.follower = await followBucket({ kv: this.kv, what: this.what, logger: this.logger, onEntry: (entry) => this.apply(entry) });
  }

  stop(): void {
    this.follower?.stop();
  }

  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): z.output<S> | undefined {
    return this.entries.get(key);
  }

  /** Reads `key` from the bucket itself, for an entry the watch may not have delivered yet; applies what it finds. */
  async read(key: string): Promise<z.output<S> | undefined> {
    const entry = await bounded(this.kv.get(key), `read of ${this.what}`);
    if (entry && this.follower) this.follower.take(entry);
    return this.entries.get(key);
  }

  values(): IterableIterator<z.output<S>> {
    return this.entries.values();
  }

  /** Key and value of every entry. */
  all(): IterableIterator<[string, z.output<S>]> {
    return this.entries.entries();
  }

  private apply(entry: KvEntry): void {
    this.changes++;
    if (entry.operation !== "PUT") {
      this.entries.delete(entry.key);
      return;
    }
    try {
      this.entries.set(entry.key, decodeMessage(this.schema, entry.value));
    } catch (err) {
      // A bad entry must not keep serving an older policy for that key.
      this.entries.delete(entry.key);
      this.logger.warn({ err, bucket: this.what, key: entry.key.slice(0, 8) }, "ignoring unreadable entry");
    }
  }
}
