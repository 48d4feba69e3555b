import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelPrice, ModelRoute, ProviderSetting, toModelToken } from "@lantern/shared/contracts";
import { kvJson, startTestAdmin, type TestAdmin } from "../testing/test-admin.js";

describe("provider settings, routes and prices over HTTP, projected into KV", () => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin("postgres");
  });
  afterAll(() => t?.stop());

  it("keeps a provider's apiKey write-only while the gateways get it through KV", async () => {
    const created = await t.call("POST", "/api/provider-settings", { name: "vllm-a", baseUrl: "http://127.0.0.1:9000/v1/", apiKey: "sk-upstream-secret" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "vllm-a", baseUrl: "http://127.0.0.1:9000/v1", hasApiKey: true, timeoutMs: 60_000 });
    expect(JSON.stringify(created.body)).not.toContain("sk-upstream-secret");
    expect(ProviderSetting.parse(await kvJson(t.buckets.providers, "vllm-a"))).toEqual({
      v: 1,
      name: "vllm-a",
      baseUrl: "http://127.0.0.1:9000/v1",
      apiKey: "sk-upstream-secret",
      timeoutMs: 60_000,
    });

    const list = await t.call("GET", "/api/provider-settings");
    expect(JSON.stringify(list.body)).not.toContain("sk-upstream-secret");
    expect(list.body.data.map((p: { name: string }) => p.name)).toContain("vllm-a");

    const updated = await t.call("PATCH", "/api/provider-settings/vllm-a", { apiKey: null, timeoutMs: 5_000 });
    expect(updated.body).toMatchObject({ hasApiKey: false, timeoutMs: 5_000 });
    expect(await kvJson(t.buckets.providers, "vllm-a")).toMatchObject({ apiKey: null, timeoutMs: 5_000 });

    expect((await t.call("POST", "/api/provider-settings", { name: "vllm-a", baseUrl: "http://x.test/v1" })).status).toBe(409);
    const reserved = await t.call("POST", "/api/provider-settings", { name: "local", baseUrl: "http://x.test/v1" });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.param).toBe("name");
  });

  it("routes a model through existing providers only, and projects it under the model's token", async () => {
    await t.call("POST", "/api/provider-settings", { name: "openai", baseUrl: "https://api.openai.com/v1", apiKey: "sk-x" });
    const unknown = await t.call("POST", "/api/routes", {
      model: "chat-default",
      steps: [
        { provider: "local", model: "stories260K" },
        { provider: "nowhere", model: "gpt-4o-mini" },
      ],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ type: "invalid_request_error", param: "steps[1].provider", code: "unknown_provider" });

    const model = "org/chat-default";
    const created = await t.call("POST", "/api/routes", {
      model,
      steps: [
        { provider: "local", model: "stories260K", timeoutMs: 2_000 },
        { provider: "openai", model: "gpt-4o-mini", retries: 1 },
      ],
    });
    expect(created.status).toBe(201);
    expect(ModelRoute.parse(await kvJson(t.buckets.routes, toModelToken(model)))).toEqual({
      v: 1,
      model,
      steps: [
        { provider: "local", model: "stories260K", timeoutMs: 2_000, retries: 0 },
        { provider: "openai", model: "gpt-4o-mini", timeoutMs: null, retries: 1 },
      ],
    });
    // A model name with '/' travels encoded in the path.
    const path = `/api/routes/${encodeURIComponent(model)}`;
    expect((await t.call("GET", path)).body.model).toBe(model);

    const inUse = await t.call("DELETE", "/api/provider-settings/openai");
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe("provider_in_use");
    expect(await kvJson(t.buckets.providers, "openai")).not.toBeNull();

    const patched = await t.call("PATCH", path, { steps: [{ provider: "local", model: "stories260K" }] });
    expect(patched.status).toBe(200);
    expect(await kvJson(t.buckets.routes, toModelToken(model))).toMatchObject({ steps: [{ provider: "local", model: "stories260K" }] });

    expect((await t.call("DELETE", "/api/provider-settings/openai")).status).toBe(204);
    expect(await kvJson(t.buckets.providers, "openai")).toBeNull();
    expect((await t.call("GET", "/api/provider-settings/openai")).status).toBe(404);

    expect((await t.call("DELETE", path)).status).toBe(204);
    expect(await kvJson(t.buckets.routes, toModelToken(model))).toBeNull();
    expect((await t.call("GET", path)).status).toBe(404);
  });

  it("prices models, local ones included, and projects each change", async () => {
    const created = await t.call("POST", "/api/prices", { model: "stories260K", inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.4 });
    expect(created.status).toBe(201);
    expect(ModelPrice.parse(await kvJson(t.buckets.prices, toModelToken("stories260K")))).toEqual({
      v: 1,
      model: "stories260K",
      inputPerMTokUsd: 0.1,
      outputPerMTokUsd: 0.4,
    });
    expect((await t.call("POST", "/api/prices", { model: "stories260K", inputPerMTokUsd: 1, outputPerMTokUsd: 1 })).status).toBe(409);

    const updated = await t.call("PATCH", "/api/prices/stories260K", { outputPerMTokUsd: 0.8 });
    expect(updated.body).toMatchObject({ inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.8 });
    expect(await kvJson(t.buckets.prices, toModelToken("stories260K"))).toMatchObject({ inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.8 });
    expect((await t.call("GET", "/api/prices")).body.data).toHaveLength(1);

    const negative = await t.call("PATCH", "/api/prices/stories260K", { inputPerMTokUsd: -1 });
    expect(negative.status).toBe(400);
    expect(negative.body.error.param).toBe("inputPerMTokUsd");

    expect((await t.call("DELETE", "/api/prices/stories260K")).status).toBe(204);
    expect(await kvJson(t.buckets.prices, toModelToken("stories260K"))).toBeNull();
  });
});
