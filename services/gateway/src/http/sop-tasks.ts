import { Hono } from "hono";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { sopTasks } from "../compat/sop/sop-tasks.js";

/** A SOP task id: `sop-` then Lantern's id. Lantern's own ids never start so, so its routes keep theirs. */
const SOP_ID = ":id{sop-[A-Za-z0-9_-]{1,100}}";

/** The SOP executor's `GET /api/v1/tasks/{id}`, `/report` and `DELETE`, for ids in its shape; mounted before Lantern's. */
export function sopTasksRoutes(deps: GatewayDeps) {
  const tasks = sopTasks(deps);
  return new Hono<GatewayEnv>()
    .get(`/tasks/${SOP_ID}`, (c) => tasks.get(c, c.req.param("id")))
    .get(`/tasks/${SOP_ID}/report`, (c) => tasks.report(c, c.req.param("id")))
    .delete(`/tasks/${SOP_ID}`, (c) => tasks.delete(c, c.req.param("id")));
}
