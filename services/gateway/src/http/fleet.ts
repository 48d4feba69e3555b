import { Hono } from "hono";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";

/** What the fleet looks like now: live workers with their models and slots, and every model's queue. */
export function fleetRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>().get("/fleet", (c) =>
    c.json({
      workers: deps.registry.liveWorkers(),
      queues: deps.queues.all(),
    }),
  );
}
