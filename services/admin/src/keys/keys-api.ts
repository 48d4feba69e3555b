import { createRoute, z } from "@hono/zod-openapi";
import { CreatedKey, KeyCreate, KeyList, KeyListQuery, KeyUpdate, KeyView } from "@lantern/shared/contracts";
import { ADMIN_SECURITY, adminRouter, errors, json, jsonBody } from "../http/admin-router.js";
import type { KvProjection } from "../projection/kv-projection.js";
import type { KeyStore } from "./key-store.js";
import { keyView } from "./key-view.js";

const tags = ["Keys"];
const base = "/api/key-management/keys";

const KeyIdParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: "id", in: "path" } }) });

/**
 * `CreatedKey` as the document shows it: the Key schema plus the secret (`allOf`). The document
 * says so only for an extend of a schema made with `.openapi`, which the shared plain-zod ones are not.
 */
const CreatedKeyDoc = z.object(KeyView.shape).openapi("Key").extend({ key: CreatedKey.shape.key }).openapi("CreatedKey");

const createKey = createRoute({
  method: "post",
  path: base,
  tags,
  summary: "Create a key (the secret is in this response only)",
  security: ADMIN_SECURITY,
  request: { body: jsonBody(KeyCreate) },
  responses: { 201: json(CreatedKeyDoc, "The key, with its secret"), 400: errors[400], 401: errors[401], 409: errors[409] },
});

const listKeys = createRoute({
  method: "get",
  path: base,
  tags,
  summary: "List keys, newest first",
  security: ADMIN_SECURITY,
  request: { query: KeyListQuery },
  responses: { 200: json(KeyList, "Matching keys"), 400: errors[400], 401: errors[401] },
});

const getKey = createRoute({
  method: "get",
  path: `${base}/{id}`,
  tags,
  summary: "Get a key",
  security: ADMIN_SECURITY,
  request: { params: KeyIdParam },
  responses: { 200: json(KeyView, "The key"), 401: errors[401], 404: errors[404] },
});

const updateKey = createRoute({
  method: "patch",
  path: `${base}/{id}`,
  tags,
  summary: "Change a key's name, tags or policy (fields left out stay as they are)",
  security: ADMIN_SECURITY,
  request: { params: KeyIdParam, body: jsonBody(KeyUpdate) },
  responses: { 200: json(KeyView, "The updated key"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

const revokeRoute = (method: "delete" | "post", path: string) =>
  createRoute({
    method,
    path,
    tags,
    summary: "Revoke a key: every gateway refuses it from now on",
    security: ADMIN_SECURITY,
    request: { params: KeyIdParam },
    responses: { 200: json(KeyView, "The revoked key"), 401: errors[401], 404: errors[404] },
  });

/** `/api/key-management/keys`, shaped after BricksLLM's key management API. */
export function keysApi(store: KeyStore, projection: KvProjection) {
  const app = adminRouter();
  app.openapi(createKey, async (c) => {
    const { row, secret } = await store.create(c.req.valid("json"));
    await projection.keyChanged(row.id);
    return c.json({ ...keyView(row), key: secret }, 201);
  });
  app.openapi(listKeys, async (c) => {
    const { rows, total } = await store.list(c.req.valid("query"));
    return c.json({ data: rows.map(keyView), total }, 200);
  });
  app.openapi(getKey, async (c) => c.json(keyView(await store.get(c.req.valid("param").id)), 200));
  app.openapi(updateKey, async (c) => {
    const row = await store.update(c.req.valid("param").id, c.req.valid("json"));
    await projection.keyChanged(row.id);
    return c.json(keyView(row), 200);
  });
  for (const route of [revokeRoute("delete", `${base}/{id}`), revokeRoute("post", `${base}/{id}/revoke`)]) {
    app.openapi(route, async (c) => {
      const row = await store.revoke(c.req.valid("param").id);
      await projection.keyChanged(row.id);
      return c.json(keyView(row), 200);
    });
  }
  return app;
}
