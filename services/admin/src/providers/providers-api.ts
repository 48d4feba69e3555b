import { createRoute } from "@hono/zod-openapi";
import { ADMIN_SECURITY, adminRouter, errors, json, jsonBody } from "../http/admin-router.js";
import type { KvProjection } from "../projection/kv-projection.js";
import { ProviderCreate, ProviderList, ProviderNameParam, ProviderUpdate, ProviderView } from "./provider-schemas.js";
import { providerView, type ProviderStore } from "./provider-store.js";

const tags = ["Providers"];
const base = "/api/provider-settings";

const createProvider = createRoute({
  method: "post",
  path: base,
  tags,
  summary: "Register an OpenAI-compatible upstream",
  security: ADMIN_SECURITY,
  request: { body: jsonBody(ProviderCreate) },
  responses: { 201: json(ProviderView, "The provider (its apiKey is never returned)"), 400: errors[400], 401: errors[401], 409: errors[409] },
});

const listProviders = createRoute({
  method: "get",
  path: base,
  tags,
  summary: "List providers",
  security: ADMIN_SECURITY,
  responses: { 200: json(ProviderList, "Every provider"), 401: errors[401] },
});

const getProvider = createRoute({
  method: "get",
  path: `${base}/{name}`,
  tags,
  summary: "Get a provider",
  security: ADMIN_SECURITY,
  request: { params: ProviderNameParam },
  responses: { 200: json(ProviderView, "The provider"), 401: errors[401], 404: errors[404] },
});

const updateProvider = createRoute({
  method: "patch",
  path: `${base}/{name}`,
  tags,
  summary: "Change a provider (apiKey: null removes it)",
  security: ADMIN_SECURITY,
  request: { params: ProviderNameParam, body: jsonBody(ProviderUpdate) },
  responses: { 200: json(ProviderView, "The updated provider"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

const deleteProvider = createRoute({
  method: "delete",
  path: `${base}/{name}`,
  tags,
  summary: "Delete a provider no route uses",
  security: ADMIN_SECURITY,
  request: { params: ProviderNameParam },
  responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404], 409: errors[409] },
});

export function providersApi(store: ProviderStore, projection: KvProjection) {
  const app = adminRouter();
  app.openapi(createProvider, async (c) => {
    const row = await store.create(c.req.valid("json"));
    await projection.providerChanged(row.name);
    return c.json(providerView(row), 201);
  });
  app.openapi(listProviders, async (c) => c.json({ data: (await store.list()).map(providerView) }, 200));
  app.openapi(getProvider, async (c) => c.json(providerView(await store.get(c.req.valid("param").name)), 200));
  app.openapi(updateProvider, async (c) => {
    const row = await store.update(c.req.valid("param").name, c.req.valid("json"));
    await projection.providerChanged(row.name);
    return c.json(providerView(row), 200);
  });
  app.openapi(deleteProvider, async (c) => {
    const { name } = c.req.valid("param");
    await store.delete(name);
    await projection.providerChanged(name);
    return c.body(null, 204);
  });
  return app;
}
