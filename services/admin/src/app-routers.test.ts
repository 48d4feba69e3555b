import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import type { AdminDeps } from "./admin-deps.js";
import { createAdminApp } from "./app.js";
import { openDatabase, type OpenDatabase } from "./db/database.js";
import { KeyStore } from "./keys/key-store.js";
import { RouteStore } from "./model-routes/route-store.js";
import { PriceStore } from "./prices/price-store.js";
import { KvProjection } from "./projection/kv-projection.js";
import { ProviderStore } from "./providers/provider-store.js";
import { registryApi } from "./registry/registry-api.js";
import { eventsApi } from "./usage/events-api.js";
import { testAdminDeps, usageEvent } from "./usage/test-fixtures.js";
import { insertUsageEvents } from "./usage/usage-rows.js";

const TOKEN = "usage-app-test-token-0123456789";
/** The repository's bundled models. */
const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "models");

/** The events API and the registry mounted in the admin app the way admin-service does it, through `routers`. */
describe("events and registry routes inside the admin app", () => {
  let nats: TestNats;
  let dataDir: string;
  let database: OpenDatabase;
  let deps: AdminDeps;
  let app: ReturnType<typeof createAdminApp>;

  beforeAll(async () => {
    nats = await useTestNats("usageapp");
    dataDir = mkdtempSync(join(tmpdir(), "lantern-usage-app-"));
    database = await openDatabase({ pgliteDir: dataDir });
    deps = await testAdminDeps({ natsUrl: nats.url, namespace: nats.namespace, db: database.db, modelsDir: MODELS_DIR });
    const stores = { keys: new KeyStore(deps.db), providers: new ProviderStore(deps.db), routes: new RouteStore(deps.db), prices: new PriceStore(deps.db) };
    const projection = new KvProjection(stores, { nc: deps.nats.nc, names: deps.names }, deps.logger);
    app = createAdminApp({
      adminToken: TOKEN,
      database,
      nats: deps.nats,
      stores,
      projection,
      logger: deps.logger,
      routers: [eventsApi(deps), registryApi(deps)],
    });
    await insertUsageEvents(deps.db, [usageEvent({ id: "e1", keyId: "key_x" }), usageEvent({ id: "e2", keyId: "key_y", status: 502 })]);
  });

  afterAll(async () => {
    await deps?.nats.nc.close();
    await database?.close();
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (path: string, token: string | null = TOKEN) => {
    const res = await app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("requires the admin token", async () => {
    for (const path of ["/api/events", "/api/events/aggregates", "/api/models", "/api/models/stories260K"]) {
      const { status, body } = await call(path, null);
      expect(status).toBe(401);
      expect(body.error.type).toBe("authentication_error");
    }
  });

  it("answers with the token, and bad input in the admin API's error shape", async () => {
    expect((await call("/api/events?status=5xx")).body.events.map((e: { id: string }) => e.id)).toEqual(["e2"]);
    expect((await call("/api/events/aggregates?groupBy=key")).body.groups).toHaveLength(2);
    // No worker ever ran in this namespace, so its workers bucket does not even exist.
    expect((await call("/api/models/stories260K")).body).toMatchObject({ onDisk: true, architecture: "llama", loadedOn: [] });
    const bad = await call("/api/events?limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: "invalid_request_error", param: "limit", code: "invalid_value" });
    const missing = await call("/api/models/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ type: "invalid_request_error", param: "name", code: "not_found" });
  });

  it("lists the routes in the OpenAPI document, behind the admin token, with every schema resolved", async () => {
    const doc = (await call("/openapi.json", null)).body;
    for (const path of ["/api/events", "/api/events/aggregates", "/api/models", "/api/models/{name}"]) {
      expect(doc.paths[path].get.security).toEqual([{ AdminToken: [] }]);
    }
    expect(Object.keys(doc.paths["/api/events"].get.responses)).toEqual(expect.arrayContaining(["200", "400", "401"]));
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual(expect.arrayContaining(["UsageEventsPage", "UsageAggregates", "Model"]));
    for (const name of refs) expect(doc.components.schemas).toHaveProperty(name);
    // Events and their aggregates document the prompt tokens taken from workers' prompt caches.
    expect(doc.components.schemas.UsageEvent.properties).toHaveProperty("cachedTokens");
    expect(doc.components.schemas.UsageAggregate.properties).toHaveProperty("cachedTokens");
  });
});
