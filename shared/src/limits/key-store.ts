import type { KV } from "@nats-io/kv";
import { hashApiKey, KeyPolicy } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { KvMirror } from "../nats/kv-mirror.js";

type KeyLookup =
  | { found: false }
  | { found: true; hash: string; policy: KeyPolicy; state: "live" | "revoked" | "expired" };

const keyState = (policy: KeyPolicy, now: number) =>
  policy.revoked ? "revoked" : policy.expiresAt !== null && policy.expiresAt <= now ? "expired" : "live";

const UNKNOWN_RECHECK_MS = 1_000;
const UNKNOWN_READS_PER_S = 50;
const UNKNOWN_REMEMBERED = 10_000;

/** At most `perSecond` takes in any one second. */
class ReadBudget {
  private second = 0;
  private taken = 0;
  constructor(private readonly perSecond: number) {}
  take(now: number): boolean {
    const second = Math.floor(now / 1_000);
    if (second !== this.second) [this.second, this.taken] = [second, 0];
    return this.taken++ < this.perSecond;
  }
}

/** API key policies by key hash, mirrored from KV `keys` (written by the admin service). */
export class KeyStore {
  private readonly mirror: KvMirror<typeof KeyPolicy>;
  /** Keys read from KV and not found there, by hash: when. */
  private readonly unknownAt = new Map<string, number>();
  private readonly reading = new Map<string, Promise<KeyPolicy | undefined>>();
  private readonly readBudget = new ReadBudget(UNKNOWN_READS_PER_S);
  /** Hash by key id, as of mirror version `idsAsOf` (asked when queued work runs, not per request). */
  private hashes = new Map<string, string>();
  private idsAsOf = -1;

  constructor(
    keys: KV,
    private readonly logger: Logger,
  ) {
    this.mirror = new KvMirror(keys, KeyPolicy, logger, "keys");
  }

  start(): Promise<void> {
    return this.mirror.start();
  }

  stop(): void {
    this.mirror.stop();
  }

  lookup(secret: string, now = Date.now()): KeyLookup {
    const hash = hashApiKey(secret);
    return this.found(hash, this.mirror.get(hash), now);
  }

  /**
   * `lookup`, and for a key not known here, a read of KV `keys` itself: a key created a moment ago,
   * or while the watch was lost with a NATS node, works at once. Unknown keys cost a read at most
   * once a second each and UNKNOWN_READS_PER_S in all, so a flood of made-up keys stays cheap.
   */
  async lookupStored(secret: string, now = Date.now()): Promise<KeyLookup> {
    const hash = hashApiKey(secret);
    const known = this.mirror.get(hash);
    if (known) return this.found(hash, known, now);
    const checkedAt = this.unknownAt.get(hash);
    if (checkedAt !== undefined && now - checkedAt < UNKNOWN_RECHECK_MS) return { found: false };
    let reading = this.reading.get(hash);
    if (!reading) {
      if (!this.readBudget.take(now)) return { found: false };
      reading = this.mirror.read(hash).finally(() => this.reading.delete(hash));
      this.reading.set(hash, reading);
    }
    const policy = await reading.catch((err: unknown) => {
      this.logger.warn({ err }, "reading an unknown key from KV failed");
      return undefined;
    });
    if (policy) return this.found(hash, policy, now);
    if (this.unknownAt.size >= UNKNOWN_REMEMBERED) this.unknownAt.clear();
    this.unknownAt.set(hash, now);
    return { found: false };
  }

  private found(hash: string, policy: KeyPolicy | undefined, now: number): KeyLookup {
    if (!policy) return { found: false };
    return { found: true, hash, policy, state: keyState(policy, now) };
  }

  /** The key a task or run belongs to (its owner): by id, where a request's key is found by its secret. */
  byKeyId(keyId: string, now = Date.now()): KeyLookup {
    if (this.idsAsOf !== this.mirror.version) {
      this.idsAsOf = this.mirror.version;
      this.hashes = new Map();
      for (const [hash, policy] of this.mirror.all()) this.hashes.set(policy.keyId, hash);
    }
    const hash = this.hashes.get(keyId);
    const policy = hash === undefined ? undefined : this.mirror.get(hash);
    if (!hash || !policy) return { found: false };
    return { found: true, hash, policy, state: keyState(policy, now) };
  }

  /**
   * Whether any key exists, live, revoked or expired. Revoking or outliving the last key must not
   * open the gateway to everyone: that takes removing every key, or GATEWAY_AUTH=off.
   */
  hasKeys(): boolean {
    return this.mirror.size > 0;
  }
}
