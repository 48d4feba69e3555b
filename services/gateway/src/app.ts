import { Hono } from "hono";
import { ApiError, ClientGoneError } from "./errors/api-error.js";
import { renderError, toApiError } from "./errors/render-error.js";
import { chatCompletionsRoutes } from "./http/chat-completions.js";
import { completionsRoutes } from "./http/completions.js";
import { customProviderRoutes } from "./http/custom-providers.js";
import { embeddingsRoutes } from "./http/embeddings.js";
import type { GatewayDeps, GatewayEnv } from "./http/gateway-env.js";
import { fleetRoutes } from "./http/fleet.js";
import { healthRoutes } from "./http/health.js";
import { modelsRoutes } from "./http/models.js";
import { pipelinesRoutes } from "./http/pipelines.js";
import { metricsRoutes } from "./http/metrics.js";
import { RequestIds } from "./http/request-ids.js";
import { httpTelemetry } from "@lantern/shared/telemetry";

export function createApp(deps: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const log = deps.logger.child({ component: "http" });
  const requestIds = new RequestIds("req");

  // First, so the request's span is active in everything after it (and its count sees the final status).
  app.use("*", httpTelemetry(deps.metrics.http, "@lantern/gateway"));
  // One id per request: the response id, the NATS message id, and the key of every log line.
  app.use("*", async (c, next) => {
    const requestId = requestIds.take();
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    // Skipped whole when its level is off: timing and the line cost a share of a small request.
    if (!log.isLevelEnabled("info")) return next();
    const startedAt = performance.now();
    await next();
    log.info(
      { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - startedAt) },
      "request",
    );
  });
  // Every API route is accounted for by a ledger (auth, limits, usage); health and fleet are not.
  for (const prefix of ["/v1/*", "/api/custom/*"]) app.use(prefix, deps.edge.middleware());
  app.route("/", healthRoutes(deps));
  app.route("/", fleetRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/v1", chatCompletionsRoutes(deps));
  app.route("/v1", completionsRoutes(deps));
  app.route("/v1", modelsRoutes(deps));
  app.route("/v1", embeddingsRoutes(deps));
  app.route("/v1", pipelinesRoutes(deps));
  app.route("/api/custom", customProviderRoutes(deps));

  app.notFound((c) => {
    const unknownUrl = new ApiError(404, "invalid_request_error", `Unknown request URL: ${c.req.method} ${c.req.path}.`, { code: "unknown_url" });
    c.get("ledger")?.failed(unknownUrl);
    return renderError(unknownUrl, c);
  });
  app.onError((err, c) => {
    if (err instanceof ClientGoneError) {
      log.info({ requestId: c.get("requestId") }, "client went away; job withdrawn or cancelled");
      return new Response(null, { status: 499 });
    }
    const apiError = toApiError(err);
    c.get("ledger")?.failed(apiError);
    if (apiError.status >= 500) log.error({ err, requestId: c.get("requestId") }, "request failed");
    return renderError(apiError, c);
  });
  return app;
}
