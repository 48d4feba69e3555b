import type { KV } from "@nats-io/kv";
import { hashApiKey, KeyPolicy } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { KvMirror } from "../nats/kv-mirror.js";

export type KeyLookup =
  | { found: false }
  | { found: true; hash: string; policy: KeyPolicy; state: "live" | "revoked" | "expired" };

export const keyState = (policy: KeyPolicy, now: number) =>
  policy.revoked ? "revoked" : policy.expiresAt !== null && policy.expiresAt <= now ? "expired" : "live";

/** API key policies by key hash, mirrored from KV `keys` (written by the admin service). */
export class KeyStore {
  private readonly mirror: KvMirror<typeof KeyPolicy>;
  /** Until when some key stays live, as of mirror version `liveAsOf` (asked on every open-mode request). */
  private liveUntil = 0;
  private liveAsOf = -1;
  /** Hash by key id, as of mirror version `idsAsOf` (asked when queued work runs, not per request). */
  private hashes = new Map<string, string>();
  private idsAsOf = -1;

  constructor(keys: KV, logger: Logger) {
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
    const policy = this.mirror.get(hash);
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

  /** Whether any key could be used right now (neither revoked nor expired). */
  hasLiveKeys(now = Date.now()): boolean {
    if (this.liveAsOf !== this.mirror.version) {
      this.liveAsOf = this.mirror.version;
      this.liveUntil = 0;
      for (const policy of this.mirror.values()) {
        if (!policy.revoked) this.liveUntil = Math.max(this.liveUntil, policy.expiresAt ?? Number.POSITIVE_INFINITY);
      }
    }
    return now < this.liveUntil;
  }
}
