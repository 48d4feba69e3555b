import { Hono } from "hono";
import { requestHeader } from "../context/request-header.js";
import { metricsScrapeAllowed } from "@lantern/shared/telemetry";
import { ApiError } from "../errors/api-error.js";
import { metricsText } from "../processes/shared-metrics.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";

/** Prometheus scrape, of every gateway process on this port; open unless METRICS_TOKEN is set (see README, Observability). */
export function metricsRoutes(deps: GatewayDeps) {
  const { registry } = deps.metrics;
  return new Hono<GatewayEnv>().get("/metrics", async (c) => {
    if (!metricsScrapeAllowed(requestHeader(c, "authorization"), deps.config.METRICS_TOKEN)) {
      throw new ApiError(401, "invalid_request_error", "Send 'Authorization: Bearer <METRICS_TOKEN>' to read metrics.", { code: "invalid_metrics_token" });
    }
    let text: string;
    try {
      text = await metricsText(registry);
    } catch (err) {
      // Several gateway processes, and one did not answer in time: no partial counters, try again.
      deps.logger.warn({ err }, "collecting the gateway processes' metrics failed");
      throw new ApiError(503, "service_unavailable_error", "The gateway's processes did not all report their metrics in time. Retry shortly.", {
        code: "metrics_unavailable",
        headers: { "Retry-After": "1" },
      });
    }
    return c.body(text, 200, { "content-type": registry.contentType });
  });
}
