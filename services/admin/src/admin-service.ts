import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { closeHttpServer } from "@lantern/shared/lifecycle";
import { natsNames } from "@lantern/shared/contracts";
import { embeddedDatabaseDir } from "@lantern/shared/database";
import type { Logger } from "@lantern/shared/logging";
import { closeNats, connectNats, ensureEdgeBuckets, type NatsLink } from "@lantern/shared/nats";
import type { AdminDeps } from "./admin-deps.js";
import { createAdminApp } from "./app.js";
import { AdminMetrics } from "./metrics/admin-metrics.js";
import { countNatsReconnects } from "@lantern/shared/telemetry";
import { assertBindAllowed } from "./bind-policy.js";
import type { AdminConfig } from "./config.js";
import { openDatabase, type OpenDatabase } from "./db/database.js";
import { KeyStore } from "./keys/key-store.js";
import { RouteStore } from "./model-routes/route-store.js";
import { PriceStore } from "./prices/price-store.js";
import { KvProjection, type ResyncReport } from "./projection/kv-projection.js";
import { ProviderStore } from "./providers/provider-store.js";
import { ensureFleetProviders } from "./providers/fleet-providers.js";
import { pullsApi } from "./model-pulls/pulls-api.js";
import { startModelRegistrar, type ModelRegistrar } from "./registry/model-registrar.js";
import { registryApi } from "./registry/registry-api.js";
import { workersApi } from "./registry/workers-api.js";
import { eventsApi } from "./usage/events-api.js";
import { startUsageStore, type UsageStore } from "./usage/usage-store.js";

export interface RunningAdmin {
  url: string;
  port: number;
  /** Rebuilds the KV projection from Postgres now (it also runs at start and every ADMIN_RESYNC_INTERVAL_MS). */
  resync(): Promise<ResyncReport>;
  /** Stops accepting connections, lets open requests finish (up to `graceMs`), then closes NATS and the database. */
  stop(graceMs?: number): Promise<void>;
}

export async function startAdmin(config: AdminConfig, logger: Logger): Promise<RunningAdmin> {
  assertBindAllowed(config);
  const names = natsNames(config.NATS_NAMESPACE);
  // What is open so far, closed in reverse if a later start-up step fails.
  const opened: Array<() => Promise<unknown>> = [];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close().catch(() => {});
  };

  let server: Server;
  let projection: KvProjection;
  let nats: NatsLink;
  let database: OpenDatabase;
  let usageStore: UsageStore;
  let registrar: ModelRegistrar;
  try {
    database = await openDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: embeddedDatabaseDir(config.LANTERN_DATA_DIR) });
    opened.push(() => database.close());
    logger.info({ database: database.kind }, "admin database ready");
    nats = await connectNats({ url: config.NATS_URL, replicas: config.NATS_REPLICAS, name: "admin", logger });
    opened.push(() => nats.nc.close());
    const metrics = new AdminMetrics();
    countNatsReconnects(nats.nc, metrics.registry);
    const buckets = await ensureEdgeBuckets(nats.nc, names);
    const deps: AdminDeps = { config, db: database.db, nats, names, buckets, logger };

    const stores = {
      keys: new KeyStore(deps.db),
      providers: new ProviderStore(deps.db),
      routes: new RouteStore(deps.db),
      prices: new PriceStore(deps.db),
    };
    await ensureFleetProviders(stores.providers, config.ADMIN_FLEET_PROVIDERS);
    projection = new KvProjection(stores, { nc: nats.nc, names }, logger.child({ component: "kv-projection" }));
    opened.push(() => projection.stop());
    await projection.start(config.ADMIN_RESYNC_INTERVAL_MS);

    usageStore = await startUsageStore(deps);
    opened.push(() => usageStore.stop());
    registrar = await startModelRegistrar(deps);
    opened.push(() => registrar.stop());
    const app = createAdminApp({
      adminToken: config.ADMIN_TOKEN,
      database,
      nats,
      stores,
      projection,
      logger,
      logRequests: config.LOG_REQUESTS,
      usageStatus: () => usageStore.status(),
      registrarStatus: () => registrar.status(),
      metrics: { series: metrics, token: config.METRICS_TOKEN },
      routers: [eventsApi(deps), registryApi(deps), pullsApi(deps), workersApi(deps)],
    });

    server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.ADMIN_HOST, port: config.ADMIN_PORT }, () => resolve(s as Server));
      s.once("error", reject);
    });
  } catch (err) {
    await closeOpened();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = config.ADMIN_HOST.includes(":") ? `[${config.ADMIN_HOST}]` : config.ADMIN_HOST;
  const url = `http://${host}:${port}`;
  logger.info({ url, docs: `${url}/docs`, auth: config.ADMIN_TOKEN ? "token" : "open (loopback only)" }, "admin listening");

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    resync: () => projection.resync(),
    stop(graceMs = 10_000) {
      stopped ??= (async () => {
        await closeHttpServer(server, graceMs);
        await projection.stop();
        await usageStore.stop();
        await registrar.stop();
        await closeNats(nats.nc);
        await database.close();
        logger.info("admin stopped");
      })();
      return stopped;
    },
  };
}
