import type { Context } from "hono";
import { CreateTaskRequest, natsNames, SopTaskBody, TaskIdRequest, TaskReply, TaskReportReply, isFinalTaskStatus } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../../gateway-deps.js";
import type { GatewayEnv } from "../../context/gateway-env.js";
import { setResponseHeader } from "../../context/response-headers.js";
import { OrchestratorClient } from "../../pipelines/orchestrator-client.js";
import { renderSopError, SopHttpError } from "./sop-errors.js";
import { createTaskRequestOf, lanternTaskId, sopReport, sopTaskId, sopTaskView } from "./sop-task-shapes.js";

const ORCHESTRATOR_TIMEOUT_MS = 10_000;

/** The executor's task calls, each one call to the orchestrators' task API and its answer translated back. */
export function sopTasks(deps: GatewayDeps) {
  const names = natsNames(deps.config.NATS_NAMESPACE);
  const orchestrator = new OrchestratorClient(deps.nats.nc, names, ORCHESTRATOR_TIMEOUT_MS);
  const owner = (c: Context<GatewayEnv>) => c.get("ledger").caller.keyId;
  const byId = (c: Context<GatewayEnv>, sopId: string) => ({ v: 1 as const, owner: owner(c), taskId: lanternTaskId(sopId) });
  const get = async (c: Context<GatewayEnv>, sopId: string) => (await orchestrator.ask(names.subjects.orchestratorTasks("get"), TaskIdRequest, byId(c, sopId), TaskReply, "tasks")).task;
  const report = async (c: Context<GatewayEnv>, sopId: string) =>
    (await orchestrator.ask(names.subjects.orchestratorTasks("report"), TaskIdRequest, byId(c, sopId), TaskReportReply, "tasks")).report;
  /** Errors of these calls in FastAPI's shape, a missing task as the executor words it. */
  const guarded = async (c: Context<GatewayEnv>, sopId: string | null, run: () => Promise<Response>) => {
    try {
      return await run();
    } catch (err) {
      const missing = sopId !== null && (err as { status?: number }).status === 404;
      return renderSopError(missing ? new SopHttpError(404, `Task '${sopId}' not found`) : err, c);
    }
  };

  return {
    /** `POST /api/v1/tasks` with the executor's body (already read and told apart by the tasks route). */
    create: (c: Context<GatewayEnv>, raw: Record<string, unknown>) =>
      guarded(c, null, async () => {
        const body = SopTaskBody.parse(raw);
        if (!deps.registry.knowsModel(body.model)) throw new SopHttpError(404, `Model '${body.model}' is not registered`);
        const ledger = c.get("ledger");
        ledger.requestedModel(body.model);
        await ledger.admitSubmission();
        const request = createTaskRequestOf(body, owner(c), ledger.caller.policy?.allowedModels ?? null);
        const { task } = await orchestrator.ask(names.subjects.orchestratorTasks("create"), CreateTaskRequest, request, TaskReply, "tasks");
        setResponseHeader(c, "location", `/api/v1/tasks/${sopTaskId(task.id)}`);
        return c.json(sopTaskView(task, null, body.idempotency_key ?? null), 201);
      }),
    get: (c: Context<GatewayEnv>, sopId: string) =>
      guarded(c, sopId, async () => {
        const task = await get(c, sopId);
        return c.json(sopTaskView(task, task.status === "succeeded" ? await report(c, sopId) : null));
      }),
    report: (c: Context<GatewayEnv>, sopId: string) =>
      guarded(c, sopId, async () => {
        const [task, taskReport] = await Promise.all([get(c, sopId), report(c, sopId)]);
        return c.json(sopReport(task, taskReport));
      }),
    /** The executor deletes a finished task; Lantern cancels a live one (and removes finished ones after their retention). */
    delete: (c: Context<GatewayEnv>, sopId: string) =>
      guarded(c, sopId, async () => {
        const task = await get(c, sopId);
        if (!isFinalTaskStatus(task.status)) await orchestrator.ask(names.subjects.orchestratorTasks("cancel"), TaskIdRequest, byId(c, sopId), TaskReply, "tasks");
        return c.body(null, 204);
      }),
  };
}
