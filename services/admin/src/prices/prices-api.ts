import { createRoute } from "@hono/zod-openapi";
import { ADMIN_SECURITY, adminRouter, errors, json, jsonBody } from "../http/admin-router.js";
import { ModelParam } from "../model-routes/route-schemas.js";
import type { KvProjection } from "../projection/kv-projection.js";
import { PriceCreate, PriceList, PriceUpdate, PriceView } from "./price-schemas.js";
import { priceView, type PriceStore } from "./price-store.js";

const tags = ["Prices"];
const base = "/api/prices";

const createPrice = createRoute({
  method: "post",
  path: base,
  tags,
  summary: "Price a model (USD per million tokens; local models too)",
  security: ADMIN_SECURITY,
  request: { body: jsonBody(PriceCreate) },
  responses: { 201: json(PriceView, "The price"), 400: errors[400], 401: errors[401], 409: errors[409] },
});

const listPrices = createRoute({
  method: "get",
  path: base,
  tags,
  summary: "List prices",
  security: ADMIN_SECURITY,
  responses: { 200: json(PriceList, "Every price"), 401: errors[401] },
});

const getPrice = createRoute({
  method: "get",
  path: `${base}/{model}`,
  tags,
  summary: "Get a model's price",
  security: ADMIN_SECURITY,
  request: { params: ModelParam },
  responses: { 200: json(PriceView, "The price"), 401: errors[401], 404: errors[404] },
});

const updatePrice = createRoute({
  method: "patch",
  path: `${base}/{model}`,
  tags,
  summary: "Change a model's price",
  security: ADMIN_SECURITY,
  request: { params: ModelParam, body: jsonBody(PriceUpdate) },
  responses: { 200: json(PriceView, "The updated price"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

const deletePrice = createRoute({
  method: "delete",
  path: `${base}/{model}`,
  tags,
  summary: "Delete a model's price (its requests then cost 0)",
  security: ADMIN_SECURITY,
  request: { params: ModelParam },
  responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404] },
});

export function pricesApi(store: PriceStore, projection: KvProjection) {
  const app = adminRouter();
  app.openapi(createPrice, async (c) => {
    const row = await store.create(c.req.valid("json"));
    await projection.priceChanged(row.model);
    return c.json(priceView(row), 201);
  });
  app.openapi(listPrices, async (c) => c.json({ data: (await store.list()).map(priceView) }, 200));
  app.openapi(getPrice, async (c) => c.json(priceView(await store.get(c.req.valid("param").model)), 200));
  app.openapi(updatePrice, async (c) => {
    const row = await store.update(c.req.valid("param").model, c.req.valid("json"));
    await projection.priceChanged(row.model);
    return c.json(priceView(row), 200);
  });
  app.openapi(deletePrice, async (c) => {
    const { model } = c.req.valid("param");
    await store.delete(model);
    await projection.priceChanged(model);
    return c.body(null, 204);
  });
  return app;
}
