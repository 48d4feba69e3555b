import { createRoute, z } from "@hono/zod-openapi";
import { ModelFitAnswer, WorkerList, WorkerModelAnswer, WorkerModelBody } from "@lantern/shared/contracts";
import type { AdminDeps } from "../admin-deps.js";
import { notFound } from "../http/admin-errors.js";
import { ADMIN_SECURITY, adminRouter, errors, json, jsonBody } from "../http/admin-router.js";
import { FleetReader } from "./fleet-view.js";
import { estimateOnWorker, loadOnWorker, unloadFromWorker } from "./worker-commands.js";

const WorkerParam = z.object({ workerId: z.string().min(1).max(256).openapi({ param: { name: "workerId", in: "path" } }) });
const WorkerModelParam = WorkerParam.extend({ name: z.string().min(1).max(256).openapi({ param: { name: "name", in: "path" }, example: "stories260K" }) });

const workerErrors = {
  503: { description: "The worker takes no model commands (stopped, or a synthetic engine)", content: errors[404].content },
  504: { description: "The worker did not answer in time", content: errors[404].content },
};

const listRoute = createRoute({
  method: "get",
  path: "/api/workers",
  tags: ["Workers"],
  summary: "The live workers: compute pool, devices, free RAM and VRAM, and their models, from their heartbeats",
  security: ADMIN_SECURITY,
  responses: { 200: json(WorkerList, "Live workers by id"), 401: errors[401] },
});

const fitRoute = createRoute({
  method: "post",
  path: "/api/workers/{workerId}/fit",
  tags: ["Workers"],
  summary: "What loading a model on this worker would take (its own estimate: weights plus every context), against its free memory; nothing is loaded",
  security: ADMIN_SECURITY,
  request: { params: WorkerParam, body: jsonBody(WorkerModelBody) },
  responses: { 200: json(ModelFitAnswer, "The estimate and what it breaks"), 400: errors[400], 401: errors[401], 404: errors[404], ...workerErrors },
});

const loadRoute = createRoute({
  method: "post",
  path: "/api/workers/{workerId}/models",
  tags: ["Workers"],
  summary: "Load a model file on this worker; refused with the numbers when it does not fit",
  security: ADMIN_SECURITY,
  request: { params: WorkerParam, body: jsonBody(WorkerModelBody) },
  responses: { 200: json(WorkerModelAnswer, "Loaded"), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409], ...workerErrors },
});

const unloadRoute = createRoute({
  method: "delete",
  path: "/api/workers/{workerId}/models/{name}",
  tags: ["Workers"],
  summary: "Unload a model from this worker (its running jobs finish first, within the worker's grace period)",
  security: ADMIN_SECURITY,
  request: { params: WorkerModelParam },
  responses: { 200: json(WorkerModelAnswer, "Unloaded"), 401: errors[401], 404: errors[404], ...workerErrors },
});

/** `GET /api/workers` and each worker's model commands: fit, load, unload. */
export function workersApi(deps: Pick<AdminDeps, "nats" | "names" | "logger">) {
  const fleet = new FleetReader(deps.nats.nc, deps.names, deps.logger.child({ component: "workers-api" }));
  const nc = deps.nats.nc;
  /** Only a live worker is asked: a typo gets a 404 at once rather than a silent wait. */
  const liveWorker = async (workerId: string) => {
    const { workers } = await fleet.read();
    if (!workers.some((w) => w.workerId === workerId)) throw notFound("live worker", workerId, "workerId");
  };
  const app = adminRouter();
  app.openapi(listRoute, async (c) => c.json({ workers: (await fleet.read()).workers }, 200));
  app.openapi(fitRoute, async (c) => {
    const { workerId } = c.req.valid("param");
    await liveWorker(workerId);
    return c.json(await estimateOnWorker(nc, deps.names, workerId, c.req.valid("json")), 200);
  });
  app.openapi(loadRoute, async (c) => {
    const { workerId } = c.req.valid("param");
    await liveWorker(workerId);
    return c.json({ workerId, model: await loadOnWorker(nc, deps.names, workerId, c.req.valid("json")) }, 200);
  });
  app.openapi(unloadRoute, async (c) => {
    const { workerId, name } = c.req.valid("param");
    await liveWorker(workerId);
    return c.json({ workerId, model: await unloadFromWorker(nc, deps.names, workerId, name) }, 200);
  });
  return app;
}
