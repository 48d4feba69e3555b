import { Hono } from "hono";
import type { GatewayEnv } from "../context/gateway-env.js";
import { DOCS_ASSETS, docsPage, readDocsAsset } from "../compat/sop/sop-docs-page.js";
import { gatewayOpenApi } from "../compat/sop/sop-openapi.js";

const SPEC_PATH = "/openapi.json";

/** `/openapi.json`, `/docs` and `/redoc`, as the SOP executor (a FastAPI service) serves them. */
export function sopDocsRoutes() {
  return new Hono<GatewayEnv>()
    .get(SPEC_PATH, (c) => c.json(gatewayOpenApi()))
    .get("/docs", (c) => c.html(docsPage(SPEC_PATH, false)))
    .get("/redoc", (c) => c.html(docsPage(SPEC_PATH, true)))
    .get("/docs/assets/:file", (c) => {
      const file = c.req.param("file");
      const type = DOCS_ASSETS[file];
      if (!type) return c.notFound();
      return c.body(readDocsAsset(file), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
    });
}
