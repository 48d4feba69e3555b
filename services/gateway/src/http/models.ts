import { Hono } from "hono";
import type { ModelRoute } from "@lantern/shared/contracts";
import { modelNotFound } from "../errors/api-error.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";

const OWNER = "lantern";

/** `/v1/models`: the models that live workers serve right now, and those with a route (served by trying its steps). */
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
    .get("/models", (c) => c.json({ object: "list", data: listed() }))
    .get("/models/:model{.+}", (c) => {
      const name = c.req.param("model");
      const model = listed().find((m) => m.id === name);
      if (!model) throw modelNotFound(name);
      return c.json(model);
    });
}
