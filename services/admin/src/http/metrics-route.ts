import { Hono } from "hono";
import { metricsScrapeAllowed } from "@lantern/shared/telemetry";
import type { Registry } from "prom-client";
import { unauthorized } from "./admin-errors.js";
import type { AdminEnv } from "./admin-router.js";
import { renderError } from "./render-error.js";

/**
 * Prometheus scrape, outside `/api` so ADMIN_TOKEN does not guard it (scrapers rarely hold an
 * admin credential, and the series hold counts only); METRICS_TOKEN guards it when set.
 */
export function metricsRoute(registry: Registry, token: string | undefined) {
  return new Hono<AdminEnv>().get("/metrics", async (c) => {
    if (!metricsScrapeAllowed(c.req.header("authorization"), token)) {
      return renderError(unauthorized("Send 'Authorization: Bearer <METRICS_TOKEN>' to read metrics."), c);
    }
    return c.body(await registry.metrics(), 200, { "content-type": registry.contentType });
  });
}
