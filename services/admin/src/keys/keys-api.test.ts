import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey, KeyPolicy } from "@lantern/shared/contracts";
import { kvJson, startTestAdmin, type DatabaseKind, type TestAdmin } from "../testing/test-admin.js";

const KEYS = "/api/key-management/keys";

// Postgres only: the embedded PGlite runs the same migrations and queries (db/database.test.ts, app.test.ts).
describe.each<DatabaseKind>(["postgres"])("key lifecycle over HTTP (%s)", (kind) => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin(kind);
  });
  afterAll(() => t?.stop());

  it("creates a key whose secret is shown once, projects its policy, updates and revokes it", async () => {
    const created = await t.call("POST", KEYS, {
      name: "team-a",
      tags: ["team-a", "prod"],
      allowedModels: ["stories260K"],
      rateLimits: [{ kind: "requests", limit: 60, windowSeconds: 60 }],
      budget: { amountUsd: 5, period: "month" },
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.key;
    expect(secret).toMatch(/^lk-[0-9A-Za-z]{32,}$/);
    expect(created.body.keyPrefix).toBe(secret.slice(0, 7));
    const id: string = created.body.id;

    // The gateway's view: the policy under the secret's hash, never the secret itself.
    const projected = KeyPolicy.parse(await kvJson(t.buckets.keys, hashApiKey(secret)));
    expect(projected).toMatchObject({ keyId: id, name: "team-a", allowedModels: ["stories260K"], revoked: false, expiresAt: null });
    expect(projected.rateLimits).toEqual([{ kind: "requests", limit: 60, windowSeconds: 60 }]);

    const fetched = await t.call("GET", `${KEYS}/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id, name: "team-a", tags: ["team-a", "prod"], revoked: false });
    // With a Lantern parameter: `?tag=` alone is BricksLLM's list (compat/bricksllm/dispatch.ts).
    const listed = await t.call("GET", `${KEYS}?tag=prod&limit=10`);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual([id]);
    for (const view of [fetched.body, listed.body.data[0]]) {
      const text = JSON.stringify(view);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashApiKey(secret));
      expect(view).not.toHaveProperty("key");
    }

    const expiresAt = "2030-01-01T00:00:00.000Z";
    const updated = await t.call("PATCH", `${KEYS}/${id}`, { name: "team-a2", maxConcurrent: 4, cache: { ttlSeconds: 60 }, expiresAt });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: "team-a2", maxConcurrent: 4, tags: ["team-a", "prod"], expiresAt });
    expect(await kvJson(t.buckets.keys, hashApiKey(secret))).toMatchObject({
      name: "team-a2",
      maxConcurrent: 4,
      cache: { ttlSeconds: 60 },
      expiresAt: Date.parse(expiresAt),
      budget: { amountUsd: 5, period: "month" },
    });

    const revoked = await t.call("DELETE", `${KEYS}/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toBe(true);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect(await kvJson(t.buckets.keys, hashApiKey(secret))).toMatchObject({ keyId: id, revoked: true });
  });

  it("takes a given secret, refuses it twice, and filters the list by name and revocation", async () => {
    const secret = "my-own-secret-key-0001";
    const created = await t.call("POST", KEYS, { name: "Migrated Service", key: secret });
    expect(created.status).toBe(201);
    expect(created.body.key).toBe(secret);
    expect(await kvJson(t.buckets.keys, hashApiKey(secret))).toMatchObject({ name: "Migrated Service", revoked: false });

    const again = await t.call("POST", KEYS, { name: "dup", key: secret });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ param: "key", code: "key_exists" });

    const other = await t.call("POST", KEYS, { name: "other" });
    const revokedViaPost = await t.call("POST", `${KEYS}/${other.body.id}/revoke`);
    expect(revokedViaPost.body.revoked).toBe(true);
    expect(await kvJson(t.buckets.keys, hashApiKey(other.body.key))).toMatchObject({ revoked: true });

    const byName = await t.call("GET", `${KEYS}?name=migrated`);
    expect(byName.body.data.map((k: { name: string }) => k.name)).toEqual(["Migrated Service"]);
    const live = await t.call("GET", `${KEYS}?revoked=false`);
    expect(live.body.data.every((k: { revoked: boolean }) => !k.revoked)).toBe(true);
    expect(live.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
    const revoked = await t.call("GET", `${KEYS}?revoked=true`);
    expect(revoked.body.data.map((k: { id: string }) => k.id)).toContain(other.body.id);
    expect(revoked.body.data.every((k: { revoked: boolean }) => k.revoked)).toBe(true);
    // A misspelt filter is refused, not ignored: ignored, it would list every key.
    // (`tags` is BricksLLM's filter: compat/bricksllm/dispatch.ts.)
    const misspelt = await t.call("GET", `${KEYS}?tagz=prod`);
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.error).toMatchObject({ message: "Unknown query parameter 'tagz'.", param: "tagz", code: "unknown_parameter" });
  });

  it("names a field left out as missing, and one of the wrong type as invalid", async () => {
    const missing = await t.call("POST", KEYS, { tags: ["x"] });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toEqual({ message: "Missing required parameter: 'name'.", type: "invalid_request_error", param: "name", code: "missing_required_parameter" });
    const nestedMissing = await t.call("POST", KEYS, { name: "k", rateLimits: [{ kind: "requests", windowSeconds: 60 }] });
    expect(nestedMissing.body.error).toMatchObject({ message: "Missing required parameter: 'rateLimits[0].limit'.", param: "rateLimits[0].limit" });
    const repeated = await t.call("POST", KEYS, {
      name: "k",
      rateLimits: [
        { kind: "requests", limit: 10, windowSeconds: 60 },
        { kind: "tokens", limit: 1000, windowSeconds: 60 },
        { kind: "requests", limit: 5, windowSeconds: 60 },
      ],
    });
    expect(repeated.status).toBe(400);
    expect(repeated.body.error).toMatchObject({
      message: "Invalid value for 'rateLimits[2]': repeats the requests limit per 60 s of rateLimits[0]; give one limit per kind and window",
      param: "rateLimits[2]",
    });
    const expired = await t.call("POST", KEYS, { name: "k", expiresAt: "2020-01-01T00:00:00Z" });
    expect(expired.body.error).toMatchObject({ message: "Invalid value for 'expiresAt': is in the past: a key created expired could never be used", param: "expiresAt" });
    const innerStar = await t.call("POST", KEYS, { name: "k", allowedPaths: ["/v1/*/completions"] });
    expect(innerStar.body.error).toMatchObject({ param: "allowedPaths[0]", code: "invalid_value" });
    const wrongType = await t.call("POST", KEYS, { name: 5 });
    expect(wrongType.body.error).toMatchObject({ param: "name", code: "invalid_value" });
    expect(wrongType.body.error.message).toMatch(/^Invalid value for 'name': .*expected string/);
  });

  it("ends with KV matching the database after many concurrent changes to one key", async () => {
    const created = await t.call("POST", KEYS, { name: "race-0" });
    const names = Array.from({ length: 20 }, (_, i) => `race-${i + 1}`);
    await Promise.all(names.map((name) => t.call("PATCH", `${KEYS}/${created.body.id}`, { name })));
    const final = (await t.call("GET", `${KEYS}/${created.body.id}`)).body.name;
    expect(names).toContain(final);
    expect(await kvJson(t.buckets.keys, hashApiKey(created.body.key))).toMatchObject({ name: final });
  });
});
