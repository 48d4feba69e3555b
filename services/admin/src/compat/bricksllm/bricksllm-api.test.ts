import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BricksEvent, BricksKey, BricksProblem, BricksProviderSetting, hashApiKey, KeyPolicy, ProviderSetting } from "@lantern/shared/contracts";
import { kvJson, startTestAdmin, type TestAdmin } from "../../testing/test-admin.js";

const KEYS = "/api/key-management/keys";
const SECRET = "sk-bricksllm-frontend-llama-key-explicit";

describe("BricksLLM's admin API beside Lantern's", () => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin("pglite", { ADMIN_FLEET_PROVIDERS: "llama-cpp-root" });
  });
  afterAll(() => t?.stop());

  it("sets the fleet's provider and makes, lists and changes a key in BricksLLM's shapes", async () => {
    const setting = await t.call("PUT", "/api/provider-settings", { provider: "llama-cpp-root", setting: {} });
    expect(setting.status).toBe(200);
    expect(BricksProviderSetting.parse(setting.body)).toMatchObject({ id: "llama-cpp-root", provider: "llama-cpp-root", setting: {} });
    expect(ProviderSetting.parse(await kvJson(t.buckets.providers, "llama-cpp-root"))).toMatchObject({ baseUrl: null });

    const created = await t.call("PUT", KEYS, {
      name: "Frontend Llama Key",
      key: SECRET,
      tags: ["frontend"],
      keyId: "frontend-llama",
      settingIds: [setting.body.id],
      allowedPaths: [{ path: "/chat/completions", method: "POST" }],
      rateLimitOverTime: 30,
      rateLimitUnit: "m",
    });
    expect(created.status).toBe(200);
    expect(BricksKey.parse(created.body)).toMatchObject({ keyId: "frontend-llama", key: SECRET, rateLimitOverTime: 30, rateLimitUnit: "m", revoked: false });
    expect(KeyPolicy.parse(await kvJson(t.buckets.keys, hashApiKey(SECRET)))).toMatchObject({
      keyId: "frontend-llama",
      allowedPaths: ["/chat/completions"],
      rateLimits: [{ kind: "requests", limit: 30, windowSeconds: 60 }],
    });

    for (const query of ["?tag=frontend", "?keyIds=frontend-llama", "?tags=frontend&keyIds=frontend-llama"]) {
      const listed = await t.call("GET", `${KEYS}${query}`);
      expect(listed.status).toBe(200);
      expect(BricksKey.array().parse(listed.body).map((k) => k.keyId)).toEqual(["frontend-llama"]);
      expect(JSON.stringify(listed.body)).not.toContain(SECRET);
    }

    const patched = await t.call("PATCH", `${KEYS}/frontend-llama`, { costLimitInUsdOverTime: 2, costLimitInUsdUnit: "d", revoked: true, revokedReason: "rotated" });
    expect(patched.status).toBe(200);
    expect(BricksKey.parse(patched.body)).toMatchObject({ costLimitInUsdOverTime: 2, costLimitInUsdUnit: "d", revoked: true });
    expect(await kvJson(t.buckets.keys, hashApiKey(SECRET))).toMatchObject({ revoked: true, budget: { amountUsd: 2, period: "day" } });

    const events = await t.call("GET", `/api/events?keyIds=frontend-llama&start=0&end=${Math.ceil(Date.now() / 1000) + 60}`);
    expect(events.status).toBe(200);
    expect(BricksEvent.array().parse(events.body)).toEqual([]);
  });

  it("leaves Lantern's own calls on the same paths as they were", async () => {
    const created = await t.call("POST", KEYS, { name: "native", tags: ["frontend"] });
    expect(created.status).toBe(201);
    const listed = await t.call("GET", `${KEYS}?tag=frontend&limit=10`);
    expect(listed.body.total).toBe(2);
    const patched = await t.call("PATCH", `${KEYS}/${created.body.id}`, { name: "native2" });
    expect(patched.body).toMatchObject({ id: created.body.id, name: "native2", keyPrefix: expect.any(String) });
    expect((await t.call("POST", "/api/provider-settings", { name: "up", baseUrl: "http://127.0.0.1:9/v1" })).status).toBe(201);
    const events = await t.call("GET", "/api/events?limit=5");
    expect(events.body).toHaveProperty("events");
  });

  it("creates an upstream setting by POST as by PUT, and keeps it when set again without a URL", async () => {
    const posted = await t.call("POST", "/api/provider-settings", { provider: "vllm", name: "gpu-box", setting: { url: "http://10.0.0.5:8000", apikey: "sk-up" } });
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ id: "gpu-box", setting: { url: "http://10.0.0.5:8000/v1" } });
    const again = await t.call("PUT", "/api/provider-settings", { provider: "gpu-box", setting: { apikey: "sk-new" } });
    expect(again.body).toMatchObject({ id: "gpu-box", setting: { url: "http://10.0.0.5:8000/v1" } });
    expect(await kvJson(t.buckets.providers, "gpu-box")).toMatchObject({ apiKey: "sk-new" });
    const listed = await t.call("GET", "/api/provider-settings?ids=gpu-box&ids=nope");
    expect(BricksProviderSetting.array().parse(listed.body).map((s) => s.id)).toEqual(["gpu-box"]);
  });

  it("answers bad input in BricksLLM's problem shape", async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ["PUT", KEYS, { name: "no secret" }, 400, /key/],
      ["PUT", KEYS, { name: "n", key: "sk-0123456789abcdef", settingIds: ["nope"] }, 400, /settingIds\[0\]/],
      ["PUT", KEYS, { name: "n", key: "short" }, 400, /key/],
      ["PUT", KEYS, { name: "n", key: "sk-0123456789abcdef", rateLimitOverTime: 3 }, 400, /rateLimitUnit/],
      ["PUT", KEYS, '{"name": ', 400, /json/i],
      ["PATCH", `${KEYS}/no-such-key`, { name: "x" }, 404, /no-such-key/],
      ["GET", "/api/events?keyIds=frontend-llama", undefined, 400, /start/],
      ["GET", "/api/events?customId=c1&start=1&end=2", undefined, 400, /keyIds/],
      ["PUT", "/api/provider-settings", { provider: "anthropic", setting: { apikey: "x" } }, 400, /OpenAI-compatible/],
      ["PUT", "/api/provider-settings", { provider: "nowhere" }, 400, /setting\.url/],
    ];
    for (const [method, path, body, status, detail] of cases) {
      const res = await t.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      const problem = BricksProblem.parse(res.body);
      expect(problem.status).toBe(status);
      expect(problem.detail, `${method} ${path}`).toMatch(detail);
    }
  });
});
