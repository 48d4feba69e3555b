import { Hono } from "hono";
import type { ModelRoute } from "@lantern/shared/contracts";
import { modelAllowed } from "../edge/caller-auth.js";
import { modelNotFound } from "../errors/api-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";

const OWNER = "lantern";

/**
 * `/v1/models`: the models that live workers serve right now and those with a route (served by
 * trying its steps), of those the caller's key may use.
 */
export function modelsRoutes(deps: GatewayDeps) {
  const toModel = (m: { name: string; contextSize: number; firstServedAt: number }) => ({
    id: m.name,
    object: "model" as const,
    created: Math.floor(m.firstServedAt / 1000),
    owned_by: OWNER,
    context_length: m.contextSize,
  });
  const routed = (route: ModelRoute) => ({ id: route.model, object: "model" as const, created: 0, owned_by: OWNER });
  const listed = () => {
    const served = deps.registry.servedModels().map(toModel);
    const names = new Set(served.map((m) => m.id));
    return [...served, ...[...deps.routes.values()].filter((r) => !names.has(r.model)).map(routed)];
  };
  return new Hono<GatewayEnv>()
    .get("/models", (c) => {
      const { policy } = c.get("ledger").caller;
      return c.json({ object: "list", data: listed().filter((m) => modelAllowed(policy, m.id)) });
    })
    .get("/models/:model{.+}", (c) => {
      const name = c.req.param("model");
      const { policy } = c.get("ledger").caller;
      const model = listed().find((m) => m.id === name && modelAllowed(policy, m.id));
      if (!model) throw modelNotFound(name);
      return c.json(model);
    });
}
