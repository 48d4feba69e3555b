import { Hono } from "hono";
import { modelAllowed } from "../edge/caller-auth.js";
import { modelNotFound } from "../errors/api-error.js";
import type { GatewayDeps, GatewayEnv } from "./gateway-env.js";

const OWNER = "lantern";

/** `/v1/models`: the models that live workers serve right now, of those the caller's key may use. */
export function modelsRoutes(deps: GatewayDeps) {
  const toModel = (m: { name: string; contextSize: number; firstServedAt: number }) => ({
    id: m.name,
    object: "model" as const,
    created: Math.floor(m.firstServedAt / 1000),
    owned_by: OWNER,
    context_length: m.contextSize,
  });
  return new Hono<GatewayEnv>()
    .get("/models", (c) => {
      const { policy } = c.get("ledger").caller;
      return c.json({ object: "list", data: deps.registry.servedModels().filter((m) => modelAllowed(policy, m.name)).map(toModel) });
    })
    .get("/models/:model{.+}", (c) => {
      const name = c.req.param("model");
      const { policy } = c.get("ledger").caller;
      const model = deps.registry.servedModels().find((m) => m.name === name && modelAllowed(policy, m.name));
      if (!model) throw modelNotFound(name);
      return c.json(toModel(model));
    });
}
