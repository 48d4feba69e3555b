import { timingSafeEqual } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { hashApiKey, KeyPolicy } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { KvMirror } from "./kv-mirror.js";

export type KeyLookup =
  | { found: false }
  | { found: true; hash: string; policy: KeyPolicy; state: "live" | "revoked" | "expired" };

export const keyState = (policy: KeyPolicy, now: number) =>
  policy.revoked ? "revoked" : policy.expiresAt !== null && policy.expiresAt <= now ? "expired" : "live";

/** API key policies by key hash, mirrored from KV `keys` (written by the admin service). */
export class KeyStore {
  private readonly mirror: KvMirror<typeof KeyPolicy>;

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
    // The map hit already matched the hash; comparing in constant time keeps it so if look-ups ever change.
    if (!timingSafeEqual(Buffer.from(hash, "hex"), Buffer.from(hashApiKey(secret), "hex"))) return { found: false };
    return { found: true, hash, policy, state: keyState(policy, now) };
  }

  /** Whether any key could be used right now (neither revoked nor expired). */
  hasLiveKeys(now = Date.now()): boolean {
    for (const policy of this.mirror.values()) if (keyState(policy, now) === "live") return true;
    return false;
  }
}
