import { stateVersionOf, type StateVersion } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../../gateway-deps.js";

/**
 * Mentator's `/state/version` for the gateway: its own version and build, and the live fleet's
 * compute backends and loaded models as the workers' heartbeats say.
 */
export function gatewayStateVersion(deps: GatewayDeps, version: string): StateVersion {
  const workers = deps.registry.liveWorkers();
  return stateVersionOf({
    service: "gateway",
    version,
    build: deps.config.LANTERN_BUILD,
    pools: workers.map((w) => w.pool),
    models: workers.flatMap((w) => w.models.filter((m) => (m.state ?? "loaded") === "loaded").map((m) => m.name)),
  });
}
