import type { Context } from "hono";
import { Hono } from "hono";
import {
  CreateTaskRequest,
  ListTasksReply,
  ListTasksRequest,
  natsNames,
  TaskCreateBody,
  TaskIdRequest,
  TaskReply,
  TaskReportReply,
  TaskStatus,
  type TaskOp,
} from "@lantern/shared/contracts";
import { invalidRequest, modelNotFound } from "../errors/api-error.js";
import { OrchestratorClient } from "../pipelines/orchestrator-client.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { isSopTaskBody } from "../compat/sop/sop-task-shapes.js";
import { sopTasks } from "../compat/sop/sop-tasks.js";
import { setResponseHeader } from "../context/response-headers.js";

const ORCHESTRATOR_TIMEOUT_MS = 10_000;

/** The API key a request acts for: tasks belong to it (null when the gateway runs without keys). */
export const ownerOf = (c: Context<GatewayEnv>) => c.get("ledger").caller.keyId;

/**
 * `/api/v1/tasks`: model calls and pipeline runs queued by priority and run by the orchestrators;
 * submit, follow, read the report, cancel.
 */
export function tasksRoutes(deps: GatewayDeps) {
  const names = natsNames(deps.config.NATS_NAMESPACE);
  const orchestrator = new OrchestratorClient(deps.nats.nc, names, ORCHESTRATOR_TIMEOUT_MS);
  const subject = (op: TaskOp) => names.subjects.orchestratorTasks(op);
  const byId = (c: Context<GatewayEnv>) => ({ v: 1 as const, owner: ownerOf(c), taskId: c.req.param("id")! });
  const sop = sopTasks(deps);

  return new Hono<GatewayEnv>()
    .post("/tasks", async (c) => {
      const { object } = await readJsonObject(c, deps.config);
      // The SOP executor's body (numeric priority, sampling fields at the top) is served by its compatibility surface.
      if (isSopTaskBody(object)) return sop.create(c, object);
      const body = TaskCreateBody.parse(object);
      // A model no worker ever served is refused now; a known one waits for a worker like any job.
      if (body.model !== undefined && !deps.registry.knowsModel(body.model)) throw modelNotFound(body.model);
      if (body.model !== undefined) c.get("ledger").requestedModel(body.model);
      await c.get("ledger").admitSubmission();
      const request: CreateTaskRequest = {
        v: 1,
        owner: ownerOf(c),
        kind: body.model !== undefined ? "model" : "pipeline",
        model: body.model ?? null,
        pipeline: body.pipeline ?? null,
        input: body.messages ? { messages: body.messages } : { prompt: body.prompt ?? "" },
        params: (body.params ?? {}) as CreateTaskRequest["params"],
        priority: body.priority,
        webhookUrl: body.webhook_url ?? null,
        allowedModels: c.get("ledger").caller.policy?.allowedModels ?? null,
      };
      const { task } = await orchestrator.ask(subject("create"), CreateTaskRequest, request, TaskReply, "tasks");
      setResponseHeader(c, "location", `/api/v1/tasks/${task.id}`);
      return c.json(task, 202);
    })
    .get("/tasks", async (c) => {
      const limit = c.req.query("limit");
      const parsedLimit = limit === undefined ? 50 : Number(limit);
      if (!Number.isInteger(parsedLimit) || parsedLimit < 1 || parsedLimit > 500) throw invalidRequest("'limit' must be a whole number from 1 to 500.", "limit");
      const status = c.req.query("status");
      const parsedStatus = status === undefined ? undefined : TaskStatus.safeParse(status);
      if (parsedStatus && !parsedStatus.success) throw invalidRequest(`'status' must be one of ${TaskStatus.options.join(", ")}.`, "status");
      const request = { v: 1 as const, owner: ownerOf(c), limit: parsedLimit, ...(parsedStatus ? { status: parsedStatus.data } : {}) };
      const { tasks } = await orchestrator.ask(subject("list"), ListTasksRequest, request, ListTasksReply, "tasks");
      return c.json({ object: "list", data: tasks });
    })
    .get("/tasks/:id", async (c) => c.json((await orchestrator.ask(subject("get"), TaskIdRequest, byId(c), TaskReply, "tasks")).task))
    .get("/tasks/:id/report", async (c) => c.json((await orchestrator.ask(subject("report"), TaskIdRequest, byId(c), TaskReportReply, "tasks")).report))
    .delete("/tasks/:id", async (c) => c.json((await orchestrator.ask(subject("cancel"), TaskIdRequest, byId(c), TaskReply, "tasks")).task));
}
