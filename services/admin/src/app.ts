import type { OpenAPIHono } from "@hono/zod-openapi";
import { newRequestId } from "@lantern/shared/contracts";
import { swaggerUiRoutes } from "@lantern/shared/api-docs";
import { ApiError } from "@lantern/shared/errors";
import { accessLineLevel, requestLogLevel, type Logger } from "@lantern/shared/logging";
import type { NatsLink } from "@lantern/shared/nats";
import type { OpenDatabase } from "./db/database.js";
import { bodyLimit } from "hono/body-limit";
import { adminAuth } from "./http/admin-auth.js";
import { adminRouter, type AdminEnv } from "./http/admin-router.js";
import { metricsRoute } from "./http/metrics-route.js";
import type { AdminMetrics } from "./metrics/admin-metrics.js";
import { httpTelemetry } from "@lantern/shared/telemetry";
import { healthApi } from "./http/health-api.js";
import type { UsageStoreStatus } from "./usage/usage-store.js";
import type { ModelRegistrarStatus } from "./registry/model-registrar.js";
import { renderError, toApiError } from "./http/render-error.js";
import { keysApi } from "./keys/keys-api.js";
import { bricksllmApi } from "./compat/bricksllm/bricksllm-api.js";
import type { KeyStore } from "./keys/key-store.js";
import { routesApi } from "./model-routes/routes-api.js";
import type { RouteStore } from "./model-routes/route-store.js";
import { pricesApi } from "./prices/prices-api.js";
import type { PriceStore } from "./prices/price-store.js";
import type { KvProjection } from "./projection/kv-projection.js";
import { providersApi } from "./providers/providers-api.js";
import type { ProviderStore } from "./providers/provider-store.js";

const OPENAPI_PATH = "/openapi.json";
const HEALTH_PATH = "/api/health";

interface AdminAppDeps {
  /** Unset: the API runs open (only allowed on loopback, see bind-policy). */
  adminToken: string | undefined;
  database: Pick<OpenDatabase, "db" | "kind">;
  nats: Pick<NatsLink, "connected">;
  stores: { keys: KeyStore; providers: ProviderStore; routes: RouteStore; prices: PriceStore };
  projection: KvProjection;
  logger: Logger;
  /** LOG_REQUESTS: unset, access lines follow the log format (see requestLogLevel). */
  logRequests?: boolean;
  /**
   * Further `/api` routers, mounted behind the same auth and error handling and listed in the same
   * OpenAPI document: the usage events API (`eventsApi`), the model registry (`registryApi`) and model pulls (`pullsApi`).
   * Build them with `adminRouter()` so bad input answers in the same error shape.
   */
  routers?: OpenAPIHono<any>[];
  /** The usage store's state, reported by health. */
  usageStatus?: () => UsageStoreStatus;
  /** The model registrar's state, reported by health. */
  registrarStatus?: () => ModelRegistrarStatus;
  /** Request counts and `GET /metrics`; none: neither. */
  metrics?: { series: AdminMetrics; token: string | undefined };
}

const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

export function createAdminApp(deps: AdminAppDeps): OpenAPIHono<AdminEnv> {
  const app = adminRouter();
  const log = deps.logger.child({ component: "http" });
  // `debug` on a terminal unless LOG_REQUESTS asks: a line per request would bury everything else.
  const accessLevel = requestLogLevel(deps.logger, deps.logRequests);
  // First, so the request's span is active in everything after it (and its count sees the final status).
  if (deps.metrics) app.use("*", httpTelemetry(deps.metrics.series.http, "@lantern/admin"));

  app.use("*", async (c, next) => {
    const requestId = newRequestId("adm");
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    const level = accessLineLevel(accessLevel, c.req.path);
    if (!log.isLevelEnabled(level)) return next();
    const startedAt = performance.now();
    await next();
    log[level]({ requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - startedAt) }, "request");
  });
  app.use("/api/*", adminAuth(deps.adminToken, [HEALTH_PATH]));
  // Every admin body is small (a key's policy at most tens of KiB): a larger one is refused unread.
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: ADMIN_BODY_LIMIT_BYTES,
      onError: (c) => {
        // The rest of the body is never read, so the connection cannot carry another request.
        c.header("connection", "close");
        return renderError(new ApiError(413, "invalid_request_error", `The request body is larger than ${ADMIN_BODY_LIMIT_BYTES} bytes.`, { code: "request_too_large" }), c);
      },
    }),
  );

  if (deps.metrics) app.route("/", metricsRoute(deps.metrics.series.registry, deps.metrics.token));
  app.route("/", healthApi(deps.database, deps.nats, { usage: deps.usageStatus, registrar: deps.registrarStatus }));
  // First of the API: it takes BricksLLM's requests on the paths it shares with Lantern's own routes.
  app.route("/", bricksllmApi({ db: deps.database.db, keys: deps.stores.keys, providers: deps.stores.providers, projection: deps.projection }));
  app.route("/", keysApi(deps.stores.keys, deps.projection));
  app.route("/", providersApi(deps.stores.providers, deps.projection));
  app.route("/", routesApi(deps.stores.routes, deps.projection));
  app.route("/", pricesApi(deps.stores.prices, deps.projection));
  for (const router of deps.routers ?? []) app.route("/", router);

  app.openAPIRegistry.registerComponent("securitySchemes", "AdminToken", {
    type: "http",
    scheme: "bearer",
    description: "The service's ADMIN_TOKEN (not needed when it runs on loopback without one).",
  });
  app.doc31(OPENAPI_PATH, {
    openapi: "3.1.0",
    info: {
      title: "Lantern admin API",
      version: "1",
      description: "API keys and their policies, upstream providers, model routes and prices for the Lantern gateways.",
    },
  });
  app.route("/", swaggerUiRoutes({ title: "Lantern admin API", specUrl: OPENAPI_PATH }));

  app.notFound((c) => renderError(new ApiError(404, "invalid_request_error", `Unknown request URL: ${c.req.method} ${c.req.path}.`, { code: "unknown_url" }), c));
  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) log.error({ err, requestId: c.get("requestId") }, "request failed");
    return renderError(apiError, c);
  });
  return app;
}
