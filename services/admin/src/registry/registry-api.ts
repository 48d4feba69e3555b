import { createRoute, z } from "@hono/zod-openapi";
import { ModelEntry, ModelList } from "@lantern/shared/contracts";
import { ApiError } from "@lantern/shared/errors";
import type { AdminDeps } from "../admin-deps.js";
import { notFound } from "../http/admin-errors.js";
import { ADMIN_SECURITY, adminRouter, errors, json } from "../http/admin-router.js";
import { createModelRegistry } from "./model-registry.js";
import { removeModel } from "./model-removal.js";

const listRoute = createRoute({
  method: "get",
  path: "/api/models",
  tags: ["Models"],
  summary: "Every model known: files on disk with GGUF metadata, registered models, and where each is loaded",
  security: ADMIN_SECURITY,
  responses: { 200: json(ModelList, "Models by name"), 401: errors[401] },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/models/{name}",
  tags: ["Models"],
  summary: "One model",
  security: ADMIN_SECURITY,
  request: { params: z.object({ name: z.string().min(1).openapi({ param: { name: "name", in: "path" }, example: "stories260K" }) }) },
  responses: { 200: json(ModelEntry, "The model"), 401: errors[401], 404: errors[404] },
});

const Removal = z
  .object({
    name: z.string(),
    file: z.string(),
    removed: z.object({
      file: z.boolean().openapi({ description: "The model file was deleted from MODELS_DIR." }),
      manifest: z.boolean(),
      object: z.boolean().openapi({ description: "The copy in the `models` object store was deleted (with `everywhere=true`)." }),
      registration: z.boolean(),
    }),
  })
  .openapi("ModelRemoval");

const deleteRoute = createRoute({
  method: "delete",
  path: "/api/models/{name}",
  tags: ["Models"],
  summary: "Remove a model: its file and manifest, its registration, and with everywhere=true its object-store copy",
  description: "Workers that have it loaded keep serving it until they unload it; a removal event tells every admin replica.",
  security: ADMIN_SECURITY,
  request: {
    params: getRoute.request.params,
    query: z.strictObject({
      everywhere: z
        .enum(["true", "false"])
        .default("false")
        .transform((v) => v === "true")
        .openapi({ type: "string", description: "Also delete the copy other hosts' workers fetch." }),
    }),
  },
  responses: { 200: json(Removal, "What was removed"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

/** `GET /api/models`, `GET /api/models/{name}` and `DELETE /api/models/{name}`. */
export function registryApi(deps: Pick<AdminDeps, "config" | "db" | "nats" | "names" | "logger">) {
  const registry = createModelRegistry(deps);
  const app = adminRouter();
  app.openapi(listRoute, async (c) => c.json({ models: await registry.list() }, 200));
  app.openapi(getRoute, async (c) => {
    const { name } = c.req.valid("param");
    const model = await registry.get(name);
    if (!model) {
      // Answered here rather than thrown, so the router gives the same 404 whether or not it is mounted in the app.
      const missing = notFound("model", name, "name");
      return c.json(missing.toBody(), 404);
    }
    return c.json(model, 200);
  });
  app.openapi(deleteRoute, async (c) => {
    const { name } = c.req.valid("param");
    const { everywhere } = c.req.valid("query");
    try {
      return c.json(await removeModel(deps, name, everywhere), 200);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return c.json(err.toBody(), 404);
      throw err;
    }
  });
  return app;
}
