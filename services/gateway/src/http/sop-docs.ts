import { Hono } from "hono";
import { swaggerUiRoutes } from "@lantern/shared/api-docs";
import type { GatewayEnv } from "../context/gateway-env.js";
import { gatewayOpenApi } from "../compat/sop/sop-openapi.js";

const SPEC_PATH = "/openapi.json";

/** `/openapi.json`, `/docs` and `/redoc`, as the SOP executor (a FastAPI service) serves them. */
export function sopDocsRoutes() {
  return new Hono<GatewayEnv>()
    .get(SPEC_PATH, (c) => c.json(gatewayOpenApi()))
    .route("/", swaggerUiRoutes<GatewayEnv>({ title: "Lantern gateway API", specUrl: SPEC_PATH, readOnlyPath: "/redoc" }));
}
