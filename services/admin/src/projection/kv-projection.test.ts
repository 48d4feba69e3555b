import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kvm, type KV } from "@nats-io/kv";
import { hashApiKey, natsNames, toModelToken } from "@lantern/shared/contracts";
import { kvJson, startTestAdmin, type TestAdmin } from "../testing/test-admin.js";

describe("KV projection resync", () => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin("postgres");
  });
  afterAll(() => t?.stop());

  it("puts back an entry KV lost, removes entries with no row, and leaves matching ones alone", async () => {
    const key = await t.call("POST", "/api/key-management/keys", { name: "resync" });
    await t.call("POST", "/api/prices", { model: "m1", inputPerMTokUsd: 1, outputPerMTokUsd: 2 });
    const keyHash = hashApiKey(key.body.key);

    await t.buckets.keys.purge(keyHash);
    await t.buckets.keys.put(hashApiKey("lk-never-created"), JSON.stringify({ v: 1, keyId: "key_ghost" }));
    await t.buckets.providers.put("ghost", "{}");
    const keyRevisionBefore = (await t.buckets.prices.get(toModelToken("m1")))!.revision;

    const report = await t.admin.resync();
    expect(report.keys).toEqual({ written: 1, deleted: 1, unchanged: 0 });
    expect(report.providers).toEqual({ written: 0, deleted: 1, unchanged: 0 });
    expect(report.prices).toEqual({ written: 0, deleted: 0, unchanged: 1 });

    expect(await kvJson(t.buckets.keys, keyHash)).toMatchObject({ keyId: key.body.id, name: "resync", revoked: false });
    expect(await kvJson(t.buckets.keys, hashApiKey("lk-never-created"))).toBeNull();
    expect(await kvJson(t.buckets.providers, "ghost")).toBeNull();
    expect((await t.buckets.prices.get(toModelToken("m1")))!.revision).toBe(keyRevisionBefore);
  });

  it("rebuilds buckets NATS lost, and heals a write that failed meanwhile without failing the request", async () => {
    const before = await t.call("POST", "/api/key-management/keys", { name: "before-wipe" });
    for (const kv of Object.values(t.buckets)) await kv.destroy();

    // The database commit stands even though the KV write cannot land; a resync soon after repairs it.
    const during = await t.call("POST", "/api/key-management/keys", { name: "during-wipe" });
    expect(during.status).toBe(201);
    const fresh = await waitForBuckets();
    // A resync writes keys, then the other tables: wait for the last of them, not the first.
    await waitFor(async () => (await kvJson(fresh.keys, hashApiKey(during.body.key))) !== null && (await kvJson(fresh.prices, toModelToken("m1"))) !== null);
    expect(await kvJson(fresh.keys, hashApiKey(during.body.key))).toMatchObject({ name: "during-wipe" });
    expect(await kvJson(fresh.keys, hashApiKey(before.body.key))).toMatchObject({ name: "before-wipe" });
    expect(await kvJson(fresh.prices, toModelToken("m1"))).toMatchObject({ inputPerMTokUsd: 1 });
  });

  /** The buckets as the admin recreates them (opening them here must not be what creates them). */
  async function waitForBuckets() {
    const kvm = new Kvm(t.nc);
    const names = natsNames(t.nats.namespace);
    let keys: KV | undefined;
    await waitFor(async () => {
      keys = await kvm.open(names.buckets.keys).then(async (kv) => ((await kv.status()) ? kv : undefined)).catch(() => undefined);
      return keys !== undefined;
    });
    return { keys: keys!, prices: await kvm.open(names.buckets.prices) };
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("KV projection, periodic resync", () => {
  it("repairs a lost entry on its own within the resync interval", async () => {
    const t = await startTestAdmin("postgres", { ADMIN_RESYNC_INTERVAL_MS: "1000" });
    try {
      const key = await t.call("POST", "/api/key-management/keys", { name: "periodic" });
      const keyHash = hashApiKey(key.body.key);
      await t.buckets.keys.purge(keyHash);
      expect(await kvJson(t.buckets.keys, keyHash)).toBeNull();
      await waitFor(async () => (await kvJson(t.buckets.keys, keyHash)) !== null);
      expect(await kvJson(t.buckets.keys, keyHash)).toMatchObject({ name: "periodic" });
    } finally {
      await t.stop();
    }
  });
});
