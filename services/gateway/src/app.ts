import { Hono } from "hono";
import { createNodeWebSocket, type NodeWebSocket } from "@hono/node-ws";
import { natsNames } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError } from "./errors/api-error.js";
import { renderError, toApiError } from "./errors/render-error.js";
import { isAnthropicPath, renderAnthropicError } from "./errors/anthropic-error.js";
import { anthropicMessagesRoutes } from "./http/anthropic-messages.js";
import { chatCompletionsRoutes } from "./http/chat-completions.js";
import { completionsRoutes } from "./http/completions.js";
import { conversationsRoutes } from "./http/conversations.js";
import { corsPolicy } from "./context/cors-policy.js";
import { customProviderRoutes } from "./http/custom-providers.js";
import { embeddingsRoutes } from "./http/embeddings.js";
import type { GatewayDeps } from "./gateway-deps.js";
import type { GatewayEnv } from "./context/gateway-env.js";
import { fleetRoutes } from "./http/fleet.js";
import { healthRoutes } from "./http/health.js";
import { modelsRoutes } from "./http/models.js";
import { pipelinesRoutes } from "./http/pipelines.js";
import { responsesRoutes } from "./http/responses.js";
import { metricsRoutes } from "./http/metrics.js";
import { RequestIds } from "./context/request-ids.js";
import { intoResponseHeaders, responseHeaderMiddleware, setResponseHeader } from "./context/response-headers.js";
import { resumeOnLastEventId, streamResumeRoutes } from "./http/stream-resume.js";
import { tasksRoutes } from "./http/tasks.js";
import { tokensRoutes } from "./http/tokens.js";
import { adminProxyRoutes } from "./http/admin-proxy.js";
import { webPageRoutes } from "./http/web-pages.js";
import { chatSocketRoutes } from "./ws/chat-socket.js";
import { MonitorHub } from "./ws/monitor-hub.js";
import { monitorSocketRoutes } from "./ws/monitor-socket.js";
import { isSopPath, renderSopError } from "./compat/sop/sop-errors.js";
import { SopFleetLog } from "./compat/sop/sop-fleet-log.js";
import { sopDocsRoutes } from "./http/sop-docs.js";
import { sopEmbeddingsRoutes } from "./http/sop-embeddings.js";
import { sopModelsRoutes } from "./http/sop-models.js";
import { sopMonitorRoutes } from "./http/sop-monitor.js";
import { sopTasksRoutes } from "./http/sop-tasks.js";
import { sopMonitorSocketRoutes } from "./ws/sop-monitor-socket.js";
import { httpTelemetry } from "@lantern/shared/telemetry";
import { accessLineLevel, requestLogLevel } from "@lantern/shared/logging";

interface GatewayApp {
  app: Hono<GatewayEnv>;
  /** The WebSockets: attached to the HTTP server once it exists, closed on stop. */
  sockets: NodeWebSocket;
  monitor: MonitorHub;
}

export function createApp(deps: GatewayDeps): GatewayApp {
  const app = new Hono<GatewayEnv>();
  const sockets = createNodeWebSocket({ app });
  const monitor = new MonitorHub({
    nats: deps.nats,
    names: natsNames(deps.config.NATS_NAMESPACE),
    registry: deps.registry,
    queues: deps.queues,
    statsMs: deps.config.GATEWAY_MONITOR_STATS_MS,
    logger: deps.logger,
  });
  const log = deps.logger.child({ component: "http" });
  // `debug` on a terminal unless LOG_REQUESTS asks: a line per request would bury everything else.
  const accessLevel = requestLogLevel(deps.logger, deps.config.LOG_REQUESTS);
  const requestIds = new RequestIds("req");

  // First, so the request's span is active in everything after it (and its count sees the final status).
  app.use("*", httpTelemetry(deps.metrics.http, "@lantern/gateway"));
  // Before anything sets a response header: it puts them on whichever response goes out.
  app.use("*", responseHeaderMiddleware());
  // One id per request: the response id, the NATS message id, and the key of every log line.
  app.use("*", async (c, next) => {
    const requestId = requestIds.take();
    c.set("requestId", requestId);
    setResponseHeader(c, "x-request-id", requestId);
    // Skipped whole when its level is off: timing and the line cost a share of a small request.
    const level = accessLineLevel(accessLevel, c.req.path);
    if (!log.isLevelEnabled(level)) return next();
    const startedAt = performance.now();
    await next();
    log[level]({ requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - startedAt) }, "request");
  });
  // Before auth: a browser's preflight carries no key.
  const cors = corsPolicy(deps.config.GATEWAY_CORS_ORIGINS);
  if (cors) for (const prefix of ["/v1/*", "/api/*"]) app.use(prefix, intoResponseHeaders(cors));
  // Before the edge middleware: a socket's upgrade is no request of its own; each chat on it is accounted for apart.
  app.route("/v1/ws", chatSocketRoutes(deps, sockets.upgradeWebSocket));
  // The llama.cpp guide's path for the same socket (its frames are answered on both).
  app.route("/api/v1/ws", chatSocketRoutes(deps, sockets.upgradeWebSocket, "guide"));
  app.route("/v1/ws", monitorSocketRoutes(deps, monitor, sockets.upgradeWebSocket));
  // The SOP executor's monitor (socket, HTTP) and API docs: fleet views like /fleet, outside the ledger (logs need the admin token).
  const sopLog = new SopFleetLog(monitor);
  app.route("/", sopMonitorSocketRoutes(deps, monitor, sopLog, sockets.upgradeWebSocket));
  app.route("/api/v1", sopMonitorRoutes(deps, sopLog));
  app.route("/", sopDocsRoutes());
  // Also before it: a resumed stream is accounted for as the request that started it.
  app.route("/v1", streamResumeRoutes(deps));
  for (const path of ["/v1/chat/completions", "/v1/completions"]) app.use(path, resumeOnLastEventId(deps));
  // Every API route is accounted for by a ledger (auth, limits, usage); health and fleet are not.
  for (const prefix of ["/v1/*", "/api/v1/*", "/api/custom/*", "/tokenize", "/detokenize"]) app.use(prefix, deps.edge.middleware());
  app.route("/", healthRoutes(deps));
  app.route("/", fleetRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/v1", chatCompletionsRoutes(deps));
  app.route("/v1", completionsRoutes(deps));
  app.route("/v1", anthropicMessagesRoutes(deps));
  app.route("/v1", responsesRoutes(deps));
  app.route("/v1", modelsRoutes(deps));
  app.route("/v1", embeddingsRoutes(deps));
  app.route("/v1", pipelinesRoutes(deps));
  // llama.cpp server's paths, and the same under /v1 for clients that prefix everything.
  for (const base of ["/", "/v1"]) app.route(base, tokensRoutes(deps));
  app.route("/api/custom", customProviderRoutes(deps));
  app.route("/api/v1", sopTasksRoutes(deps));
  app.route("/api/v1", tasksRoutes(deps));
  app.route("/api/v1", sopModelsRoutes(deps));
  app.route("/api/v1", sopEmbeddingsRoutes(deps));
  app.route("/api/v1", conversationsRoutes(deps));
  app.route("/", adminProxyRoutes(deps.config.GATEWAY_ADMIN_URL));
  app.route("/", webPageRoutes(deps.config.GATEWAY_WEB_DIR));

  app.notFound((c) => {
    const unknownUrl = new ApiError(404, "invalid_request_error", `Unknown request URL: ${c.req.method} ${c.req.path}.`, { code: "unknown_url" });
    c.get("ledger")?.failed(unknownUrl);
    if (isSopPath(c.req.path)) return renderSopError(unknownUrl, c);
    return isAnthropicPath(c.req.path) ? renderAnthropicError(unknownUrl, c) : renderError(unknownUrl, c);
  });
  app.onError((err, c) => {
    if (err instanceof ClientGoneError) {
      log.info({ requestId: c.get("requestId") }, "client went away; job withdrawn or cancelled");
      return new Response(null, { status: 499 });
    }
    const apiError = toApiError(err);
    c.get("ledger")?.failed(apiError);
    if (apiError.status >= 500) log.error({ err, requestId: c.get("requestId") }, "request failed");
    // Anthropic's clients read errors in Anthropic's shape, the edge's refusals included.
    if (isSopPath(c.req.path)) return renderSopError(apiError, c);
    return isAnthropicPath(c.req.path) ? renderAnthropicError(apiError, c) : renderError(apiError, c);
  });
  return { app, sockets, monitor };
}
