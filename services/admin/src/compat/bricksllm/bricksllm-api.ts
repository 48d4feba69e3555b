import { Hono } from "hono";
import type { AdminDb } from "../../db/database.js";
import type { KeyStore } from "../../keys/key-store.js";
import type { ProviderStore } from "../../providers/provider-store.js";
import type { KvProjection } from "../../projection/kv-projection.js";
import { bricksEventRoutes } from "./events-routes.js";
import { bricksKeyRoutes } from "./keys-routes.js";
import { bricksProviderSettingRoutes } from "./provider-settings.js";

interface BricksDeps {
  db: AdminDb;
  keys: KeyStore;
  providers: ProviderStore;
  projection: KvProjection;
}

/**
 * BricksLLM's admin API on the paths it shares with Lantern's: mounted before Lantern's routes,
 * each handler takes the requests that are BricksLLM's (see dispatch.ts) and passes on the rest.
 * Translation only: every change goes through Lantern's own stores and projection.
 */
export function bricksllmApi(deps: BricksDeps): Hono {
  const app = new Hono();
  bricksKeyRoutes(app, deps);
  bricksProviderSettingRoutes(app, deps);
  bricksEventRoutes(app, deps);
  return app;
}
