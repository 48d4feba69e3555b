import type { KV, KvEntry } from "@nats-io/kv";
import type { z } from "zod";
import { decodeMessage } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";

/**
 * A bucket's entries held in memory and kept current by a watch, so a request never waits on a
 * KV look-up. `start()` resolves once everything already in the bucket is loaded.
 */
export class KvMirror<S extends z.ZodType> {
  private readonly entries = new Map<string, z.output<S>>();
  private stopWatch: (() => void) | undefined;
  /** Bumped on every change, so derived views know when to recompute. */
  private changes = 0;

  constructor(
    private readonly kv: KV,
    private readonly schema: S,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  async start(): Promise<void> {
    // Load first so that start() resolves with the full view; the watch then replays the latest
    // value of every key (never older than what was loaded) and follows every change after.
    for await (const key of await this.kv.keys()) {
      const entry = await this.kv.get(key);
      if (entry) this.apply(entry);
    }
    const iter = await this.kv.watch();
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const entry of iter) this.apply(entry);
    })();
  }

  stop(): void {
    this.stopWatch?.();
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
