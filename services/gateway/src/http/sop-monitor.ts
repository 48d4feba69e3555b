import { Hono, type Context } from "hono";
import { requestHeader } from "../context/request-header.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { renderSopError, SopHttpError } from "../compat/sop/sop-errors.js";
import { adminRefusal, bearerToken } from "../edge/admin-token.js";
import type { SopFleetLog } from "../compat/sop/sop-fleet-log.js";
import { sopGpuStats, sopHealth, sopQueueStats } from "../compat/sop/sop-fleet-stats.js";

const VERSION = "1";
const startedAt = Date.now();

/** The logs are the admin's: its token as a bearer, or, with no token configured, a caller on this machine. */
function requireAdmin(c: Context<GatewayEnv>, token: string | undefined): void {
  const refusal = adminRefusal(bearerToken(requestHeader(c, "authorization")), token, c.env?.incoming?.socket.remoteAddress);
  if (refusal === "remote") throw new SopHttpError(403, "Logs are served to this machine only: set GATEWAY_ADMIN_TOKEN to read them remotely.");
  if (refusal === "token") throw new SopHttpError(401, "Send 'Authorization: Bearer <admin token>' to read the logs.");
}

/** The SOP executor's `/api/v1/monitor/*`, from the workers' heartbeats, the queue readings and the fleet's events. */
export function sopMonitorRoutes(deps: GatewayDeps, fleetLog: SopFleetLog) {
  const app = new Hono<GatewayEnv>();
  app.onError((err, c) => renderSopError(err, c));
  app.use("/monitor/*", async (_c, next) => {
    await fleetLog.ensureFollowing();
    await next();
  });
  return app
    .get("/monitor/health", async (c) => {
      const health = await sopHealth({ natsConnected: deps.nats.connected, workers: deps.registry.liveWorkers(), version: VERSION, startedAt });
      return c.json(health, health.status === "unhealthy" ? 503 : 200);
    })
    .get("/monitor/gpu", (c) => c.json(sopGpuStats(deps.registry.liveWorkers())))
    .get("/monitor/queue", (c) => c.json(sopQueueStats(deps.queues.all(), fleetLog.size)))
    .get("/monitor/stats", (c) => c.json(fleetLog.today()))
    .get("/monitor/logs", (c) => {
      requireAdmin(c, deps.config.GATEWAY_ADMIN_TOKEN);
      const limit = Number(c.req.query("limit") ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new SopHttpError(422, "'limit' must be a whole number from 1 to 500.");
      const logs = fleetLog.recent(limit);
      return c.json({ logs, total: logs.length });
    });
}
