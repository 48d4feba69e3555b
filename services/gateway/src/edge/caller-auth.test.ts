import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { hashApiKey, natsNames, type KeyPolicy, unrestrictedKeyPolicy } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { ensureEdgeBuckets, type EdgeBuckets } from "@lantern/shared/nats";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { ApiError } from "../errors/api-error.js";
import { authenticate, ensurePathAllowed, learnPresentedKey, type AuthMode } from "./caller-auth.js";
import { KeyStore } from "@lantern/shared/limits";

const logger = createLogger({ service: "test", level: "silent" });

const policy = (over: Partial<KeyPolicy> = {}): KeyPolicy => unrestrictedKeyPolicy("k1", over);

let nats: TestNats;
let nc: NatsConnection;
let keys: EdgeBuckets["keys"];
let store: KeyStore;

beforeAll(async () => {
  nats = await useTestNats("auth");
  nc = await connect({ servers: nats.url });
  ({ keys } = await ensureEdgeBuckets(nc, natsNames(nats.namespace)));
  // Present before the store starts: loaded by start() itself.
  await keys.put(hashApiKey("sk-live"), JSON.stringify(policy({ allowedPaths: ["/v1/chat/*", "/v1/models"] })));
  store = new KeyStore(keys, logger);
  await store.start();
});

afterAll(async () => {
  store?.stop();
  await nc?.close();
  await nats?.stop();
});

/** The status and code a request would get, or "ok" with the key it runs as. */
function outcome(mode: AuthMode, authorization: string | undefined, path = "/v1/chat/completions") {
  try {
    const who = authenticate(store, mode, authorization);
    ensurePathAllowed(who, path);
    return { ok: who.policy?.keyId ?? "open" };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, code: err.code, message: err.message };
  }
}

describe("authenticate", () => {
  it("knows the keys already in KV as soon as it starts", () => {
    expect(store.lookup("sk-live")).toMatchObject({ found: true, state: "live" });
    expect(store.lookup("sk-other")).toEqual({ found: false });
  });

  it("required: a key always, and only a live one", () => {
    expect(outcome("required", undefined)).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect(outcome("required", "Bearer sk-nope")).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect(outcome("required", "Bearer sk-live")).toEqual({ ok: "k1" });
    expect(outcome("required", "bearer   sk-live ")).toEqual({ ok: "k1" });
    expect(outcome("required", "Basic c2stbGl2ZQ==")).toMatchObject({ status: 401 });
  });

  it("auto: requires a key while any key exists", () => {
    expect(outcome("auto", undefined)).toMatchObject({ status: 401 });
    expect(outcome("auto", "Bearer sk-live")).toEqual({ ok: "k1" });
  });

  it("off: never requires a key, but a valid one still gets its policy", () => {
    expect(outcome("off", undefined)).toEqual({ ok: "open" });
    expect(outcome("off", "Bearer sk-nope")).toEqual({ ok: "open" });
    expect(outcome("off", "Bearer sk-live")).toEqual({ ok: "k1" });
  });

  it("matches allowed paths exactly or by a trailing-* prefix", () => {
    expect(outcome("required", "Bearer sk-live", "/v1/chat/completions")).toEqual({ ok: "k1" });
    expect(outcome("required", "Bearer sk-live", "/v1/models")).toEqual({ ok: "k1" });
    expect(outcome("required", "Bearer sk-live", "/v1/models/x")).toMatchObject({ status: 403, code: "path_not_allowed" });
    expect(outcome("required", "Bearer sk-live", "/v1/embeddings")).toMatchObject({ status: 403, code: "path_not_allowed" });
  });

  it("reads a key its watch has not delivered from KV before refusing it; a made-up one once a second at most", async () => {
    // A store whose watch delivers nothing more (as when its NATS node is lost).
    const blind = new KeyStore(keys, logger);
    await blind.start();
    blind.stop();
    const runsAs = (secret: string, now?: number) => {
      try {
        return authenticate(blind, "required", `Bearer ${secret}`, now).policy?.keyId;
      } catch (err) {
        return (err as ApiError).status;
      }
    };
    await keys.put(hashApiKey("sk-new"), JSON.stringify(policy({ keyId: "k5" })));
    expect(runsAs("sk-new")).toBe(401);
    await learnPresentedKey(blind, "required", "Bearer sk-new");
    expect(runsAs("sk-new")).toBe("k5");

    const now = Date.now();
    await learnPresentedKey(blind, "required", "Bearer sk-made-up", now);
    expect(runsAs("sk-made-up")).toBe(401);
    // Created right after it was found missing: read again only a second later.
    await keys.put(hashApiKey("sk-made-up"), JSON.stringify(policy({ keyId: "k6" })));
    await learnPresentedKey(blind, "required", "Bearer sk-made-up", now + 500);
    expect(runsAs("sk-made-up")).toBe(401);
    await learnPresentedKey(blind, "required", "Bearer sk-made-up", now + 1_500);
    expect(runsAs("sk-made-up")).toBe("k6");
    await keys.delete(hashApiKey("sk-new"));
    await keys.delete(hashApiKey("sk-made-up"));
  });

  it("follows revocation and expiry as KV changes", async () => {
    await keys.put(hashApiKey("sk-short"), JSON.stringify(policy({ keyId: "k2", expiresAt: Date.now() + 60_000 })));
    await keys.put(hashApiKey("sk-gone"), JSON.stringify(policy({ keyId: "k3", revoked: true })));
    await keys.put(hashApiKey("sk-old"), JSON.stringify(policy({ keyId: "k4", expiresAt: Date.now() - 1 })));
    await waitUntil(() => store.lookup("sk-old").found);
    expect(outcome("required", "Bearer sk-short")).toEqual({ ok: "k2" });
    expect(outcome("required", "Bearer sk-gone")).toMatchObject({ status: 401, message: expect.stringMatching(/revoked/) });
    expect(outcome("required", "Bearer sk-old")).toMatchObject({ status: 401, message: expect.stringMatching(/expired/) });
    // Revoked and expired keys still keep auto closed: only an empty bucket opens it.
    await keys.delete(hashApiKey("sk-live"));
    await keys.delete(hashApiKey("sk-short"));
    await waitUntil(() => !store.lookup("sk-live").found && !store.lookup("sk-short").found);
    expect(store.hasKeys()).toBe(true);
    expect(outcome("auto", undefined)).toMatchObject({ status: 401 });
    await keys.delete(hashApiKey("sk-gone"));
    await keys.delete(hashApiKey("sk-old"));
    await waitUntil(() => !store.hasKeys());
    expect(outcome("auto", undefined)).toEqual({ ok: "open" });
  });
});

async function waitUntil(check: () => boolean) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
