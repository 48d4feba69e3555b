import { Hono } from "hono";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";

export function healthRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", (c) => {
      const natsConnected = deps.nats.connected;
      const workers = deps.registry.liveWorkers();
      const ready = natsConnected && workers.length > 0;
      return c.json(
        {
          status: ready ? "ready" : "not_ready",
          nats: natsConnected ? "connected" : "disconnected",
          workers: workers.length,
          models: deps.registry.servedModels().map((m) => m.name),
          queues: deps.queues.all().map(({ model, waiting, oldestWaitMs }) => ({ model, waiting, oldestWaitMs })),
        },
        ready ? 200 : 503,
      );
    });
}
