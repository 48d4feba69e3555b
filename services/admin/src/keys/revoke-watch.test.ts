import { afterAll, beforeAll, expect, it } from "vitest";
import { hashApiKey, KeyPolicy } from "@lantern/shared/contracts";
import { startTestAdmin, type TestAdmin } from "../testing/test-admin.js";

let t: TestAdmin;
beforeAll(async () => {
  t = await startTestAdmin("postgres");
});
afterAll(() => t?.stop());

it("a gateway watching KV sees a revoke within 1 s of asking for it", async () => {
  const created = await t.call("POST", "/api/key-management/keys", { name: "watched" });
  const keyHash = hashApiKey(created.body.key);
  // What a gateway does: watch the keys bucket and keep the newest policy per hash.
  const watch = await t.buckets.keys.watch({ key: keyHash });
  const seenRevoked = (async () => {
    for await (const entry of watch) {
      if (entry.operation === "PUT" && KeyPolicy.parse(entry.json()).revoked) return performance.now();
    }
    return Number.NaN;
  })();

  const askedAt = performance.now();
  const res = await t.call("POST", `/api/key-management/keys/${created.body.id}/revoke`);
  expect(res.status).toBe(200);
  const revokedAt = await seenRevoked;
  watch.stop();
  expect(revokedAt - askedAt).toBeLessThan(1_000);
});
