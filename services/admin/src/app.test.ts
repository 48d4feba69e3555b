import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAdmin, TEST_ADMIN_TOKEN, type TestAdmin } from "./testing/test-admin.js";

describe("admin HTTP edge: OpenAPI, docs, auth and error shapes", () => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin("pglite");
  });
  afterAll(() => t?.stop());

  const errorShape = (body: any) =>
    expect(body).toEqual({ error: { message: expect.any(String), type: expect.any(String), param: expect.toBeOneOf([expect.any(String), null]), code: expect.toBeOneOf([expect.any(String), null]) } });

  it("generates an OpenAPI 3.x document listing every route, with the admin token scheme", async () => {
    const res = await fetch(`${t.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc: any = await res.json();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(ops.sort()).toEqual(
      [
        "GET /api/health",
        "POST /api/key-management/keys",
        "GET /api/key-management/keys",
        "GET /api/key-management/keys/{id}",
        "PATCH /api/key-management/keys/{id}",
        "DELETE /api/key-management/keys/{id}",
        "POST /api/key-management/keys/{id}/revoke",
        "POST /api/provider-settings",
        "GET /api/provider-settings",
        "GET /api/provider-settings/{name}",
        "PATCH /api/provider-settings/{name}",
        "DELETE /api/provider-settings/{name}",
        "POST /api/routes",
        "GET /api/routes",
        "GET /api/routes/{model}",
        "PATCH /api/routes/{model}",
        "DELETE /api/routes/{model}",
        "POST /api/prices",
        "GET /api/prices",
        "GET /api/prices/{model}",
        "PATCH /api/prices/{model}",
        "DELETE /api/prices/{model}",
        "GET /api/events",
        "GET /api/events/aggregates",
        "GET /api/events/series",
        "GET /api/models",
        "GET /api/models/{name}",
        "DELETE /api/models/{name}",
        "POST /api/models/pull",
        "GET /api/models/pulls/{pullId}/events",
        "POST /api/models/pulls/{pullId}/cancel",
        "GET /api/model-presets",
        "GET /api/workers",
        "POST /api/workers/{workerId}/fit",
        "POST /api/workers/{workerId}/models",
        "DELETE /api/workers/{workerId}/models/{name}",
      ].sort(),
    );
    expect(doc.components.securitySchemes.AdminToken).toMatchObject({ type: "http", scheme: "bearer" });
    const create = doc.paths["/api/key-management/keys"].post;
    expect(create.security).toEqual([{ AdminToken: [] }]);
    expect(create.requestBody.content["application/json"].schema).toBeDefined();
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "409"]));
    expect(doc.paths["/api/health"].get.security).toEqual([]);
    // Every referenced schema resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toContain("Key");
    for (const name of refs) expect(doc.components.schemas).toHaveProperty(name);
    // A pattern is what a client's validator compiles as it stands: flags cannot ride along.
    const patterns = [...JSON.stringify(doc).matchAll(/"pattern":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) {
      expect(pattern, pattern).not.toMatch(/\/[a-z]+$/);
      expect(() => new RegExp(pattern, "u"), pattern).not.toThrow();
    }
    const statusParam = doc.paths["/api/events"].get.parameters.find((p: { name: string }) => p.name === "status");
    for (const status of ["429", "4xx", "5XX"]) expect(status).toMatch(new RegExp(statusParam.schema.pattern, "u"));
  });

  it("serves an interactive docs page whose assets come from this service, not a CDN", async () => {
    const res = await fetch(`${t.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("/openapi.json");
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"]));
    for (const asset of assets) {
      const a = await fetch(`${t.url}${asset}`);
      expect(a.status, asset).toBe(200);
      expect((await a.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    expect((await fetch(`${t.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it("answers health without a token, and reports database and NATS", async () => {
    const res = await fetch(`${t.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      database: { ok: true, kind: "pglite" },
      nats: { connected: true },
      usageStore: { state: "storing", lag: 0, stored: 0 },
      modelRegistrar: { state: "registering", registered: expect.any(Number), removed: 0 },
    });
  });

  it("refuses /api without the right token (401), accepts it with", async () => {
    const none = await fetch(`${t.url}/api/key-management/keys`);
    expect(none.status).toBe(401);
    const noneBody: any = await none.json();
    errorShape(noneBody);
    expect(noneBody.error.type).toBe("authentication_error");

    const wrong = await t.call("GET", "/api/prices", undefined, { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` });
    expect(wrong.status).toBe(401);
    errorShape(wrong.body);
    const wrongScheme = await t.call("GET", "/api/prices", undefined, { authorization: `Basic ${TEST_ADMIN_TOKEN}` });
    expect(wrongScheme.status).toBe(401);
    // Unknown /api paths are behind the token too: no probing what exists.
    expect((await fetch(`${t.url}/api/nothing-here`)).status).toBe(401);

    expect((await t.call("GET", "/api/prices")).status).toBe(200);
  });

  it("answers bad input with 400 in the OpenAI error shape naming the field", async () => {
    const cases: Array<[string, string, unknown, string | null]> = [
      ["POST", "/api/key-management/keys", { tags: [] }, "name"],
      ["POST", "/api/key-management/keys", { name: "x", rateLimits: [{ kind: "requests", limit: 0, windowSeconds: 60 }] }, "rateLimits[0].limit"],
      ["POST", "/api/key-management/keys", { name: "x", budget: { amountUsd: 1, period: "fortnight" } }, "budget.period"],
      ["POST", "/api/key-management/keys", { name: "x", allowed_models: ["m"] }, "allowed_models"],
      ["POST", "/api/key-management/keys", { name: "x", key: "short" }, "key"],
      ["POST", "/api/key-management/keys", { name: "x", expiresAt: "tomorrow" }, "expiresAt"],
      ["GET", "/api/key-management/keys?limit=0", undefined, "limit"],
      ["GET", "/api/key-management/keys?revoked=maybe", undefined, "revoked"],
      ["POST", "/api/provider-settings", { name: "p", baseUrl: "ftp://x" }, "baseUrl"],
      ["POST", "/api/routes", { model: "m", steps: [] }, "steps"],
    ];
    for (const [method, path, body, param] of cases) {
      const res = await t.call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      errorShape(res.body);
      expect(res.body.error.type).toBe("invalid_request_error");
      if (param !== null) expect(res.body.error.param, JSON.stringify(body)).toBe(param);
    }
    const notJson = await t.call("POST", "/api/prices", "{not json", { "content-type": "application/json" });
    expect(notJson.status).toBe(400);
    errorShape(notJson.body);
  });

  it("answers unknown ids and URLs with 404 in the same shape", async () => {
    for (const path of ["/api/key-management/keys/key_nope", "/api/provider-settings/nope", "/api/routes/nope", "/api/prices/nope"]) {
      const res = await t.call("GET", path);
      expect(res.status, path).toBe(404);
      errorShape(res.body);
    }
    const patch = await t.call("PATCH", "/api/key-management/keys/key_nope", { name: "x" });
    expect(patch.status).toBe(404);
    expect(patch.body.error.param).toBe("id");
    expect((await t.call("DELETE", "/api/key-management/keys/key_nope")).status).toBe(404);
    const unknownUrl = await fetch(`${t.url}/nowhere`);
    expect(unknownUrl.status).toBe(404);
    errorShape(await unknownUrl.json());
  });
});
