import { createRoute } from "@hono/zod-openapi";
import { ADMIN_SECURITY, adminRouter, errors, json, jsonBody } from "../http/admin-router.js";
import type { KvProjection } from "../projection/kv-projection.js";
import { ModelParam, RouteCreate, RouteList, RouteUpdate, RouteView } from "./route-schemas.js";
import { routeView, type RouteStore } from "./route-store.js";

const tags = ["Routes"];
const base = "/api/routes";

const createModelRoute = createRoute({
  method: "post",
  path: base,
  tags,
  summary: "Serve a model name by ordered steps (local pool, upstream providers)",
  security: ADMIN_SECURITY,
  request: { body: jsonBody(RouteCreate) },
  responses: { 201: json(RouteView, "The route"), 400: errors[400], 401: errors[401], 409: errors[409] },
});

const listModelRoutes = createRoute({
  method: "get",
  path: base,
  tags,
  summary: "List routes",
  security: ADMIN_SECURITY,
  responses: { 200: json(RouteList, "Every route"), 401: errors[401] },
});

const getModelRoute = createRoute({
  method: "get",
  path: `${base}/{model}`,
  tags,
  summary: "Get a route",
  security: ADMIN_SECURITY,
  request: { params: ModelParam },
  responses: { 200: json(RouteView, "The route"), 401: errors[401], 404: errors[404] },
});

const updateModelRoute = createRoute({
  method: "patch",
  path: `${base}/{model}`,
  tags,
  summary: "Replace a route's steps",
  security: ADMIN_SECURITY,
  request: { params: ModelParam, body: jsonBody(RouteUpdate) },
  responses: { 200: json(RouteView, "The updated route"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

const deleteModelRoute = createRoute({
  method: "delete",
  path: `${base}/{model}`,
  tags,
  summary: "Delete a route",
  security: ADMIN_SECURITY,
  request: { params: ModelParam },
  responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404] },
});

export function routesApi(store: RouteStore, projection: KvProjection) {
  const app = adminRouter();
  app.openapi(createModelRoute, async (c) => {
    const row = await store.create(c.req.valid("json"));
    await projection.routeChanged(row.model);
    return c.json(routeView(row), 201);
  });
  app.openapi(listModelRoutes, async (c) => c.json({ data: (await store.list()).map(routeView) }, 200));
  app.openapi(getModelRoute, async (c) => c.json(routeView(await store.get(c.req.valid("param").model)), 200));
  app.openapi(updateModelRoute, async (c) => {
    const row = await store.update(c.req.valid("param").model, c.req.valid("json").steps);
    await projection.routeChanged(row.model);
    return c.json(routeView(row), 200);
  });
  app.openapi(deleteModelRoute, async (c) => {
    const { model } = c.req.valid("param");
    await store.delete(model);
    await projection.routeChanged(model);
    return c.body(null, 204);
  });
  return app;
}
