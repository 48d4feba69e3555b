import { Hono } from "hono";
import { packageVersion } from "@lantern/shared/telemetry";
import { gatewayStateVersion } from "../compat/mentator/gateway-state.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { fleetReadiness } from "../workers/fleet-readiness.js";

// Two levels below the package root, in the source tree and in the bundle (dist/bin) alike.
const VERSION = packageVersion(new URL("../../package.json", import.meta.url));

export function healthRoutes(deps: GatewayDeps) {
  return new Hono<GatewayEnv>()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    // Mentator's health check: answered while the gateway is up, with what it and the fleet run.
    .get("/state/version", (c) => c.json(gatewayStateVersion(deps, VERSION)))
    // Ready means requests can be answered: NATS up and a model loaded on a live worker.
    .get("/readyz", (c) => {
      const natsConnected = deps.nats.connected;
      const workers = deps.registry.liveWorkers();
      const fleet = fleetReadiness(workers);
      const waitingFor = [...(natsConnected ? [] : ["the NATS connection"]), ...fleet.waitingFor];
      const ready = waitingFor.length === 0;
      return c.json(
        {
          status: ready ? "ready" : "not_ready",
          nats: natsConnected ? "connected" : "disconnected",
          workers: workers.length,
          models: deps.registry.servedModels().map((m) => m.name),
          ...(ready ? {} : { waitingFor }),
          failedModels: fleet.failedModels,
          queues: deps.queues.all().map(({ model, waiting, oldestWaitMs }) => ({ model, waiting, oldestWaitMs })),
          // Reported, not required: a cluster short of a node or of replicas still answers requests.
          cluster: deps.cluster.current(),
        },
        ready ? 200 : 503,
      );
    });
}
