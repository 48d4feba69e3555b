import type { KV } from "@nats-io/kv";
import { hashApiKey, KeyPolicy } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { KvMirror } from "../nats/kv-mirror.js";

type KeyLookup =
  | { found: false }
  | { found: true; hash: string; policy: KeyPolicy; state: "live" | "revoked" | "expired" };

const keyState = (policy: KeyPolicy, now: number) =>
  policy.revoked ? "revoked" : policy.expiresAt !== null && policy.expiresAt <= now ? "expired" : "live";

/** API key policies by key hash, mirrored from KV `keys` (written by the admin service). */
export class KeyStore {
  private readonly mirror: KvMirror<typeof KeyPolicy>;
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

  /**
   * Whether any key exists, live, revoked or expired. Revoking or outliving the last key must not
   * open the gateway to everyone: that takes removing every key, or GATEWAY_AUTH=off.
   */
  hasKeys(): boolean {
    return this.mirror.size > 0;
  }
}
