import type { NatsConnection } from "@nats-io/transport-node";
import { CreateTaskRequest, ListTasksReply, ListTasksRequest, TaskIdRequest, TaskReply, TaskReportReply, type NatsNames, type TaskOp } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { Tasks } from "../tasks/tasks.js";
import { OpResponder } from "./op-responder.js";

/** Answers the task requests (`orchestrator.tasks.<op>`). */
export function startTaskResponder(nc: NatsConnection, names: NatsNames, tasks: Tasks, logger: Logger): OpResponder<TaskOp> {
  const responder = new OpResponder<TaskOp>(nc, names.queueGroups.orchestrators, logger);
  responder.start(names.subjects.orchestratorTasks, {
    create: responder.handler(CreateTaskRequest, TaskReply, async (req) => ({ task: await tasks.create(req) })),
    get: responder.handler(TaskIdRequest, TaskReply, async (req) => ({ task: await tasks.get(req.taskId, req.owner) })),
    report: responder.handler(TaskIdRequest, TaskReportReply, async (req) => ({ report: await tasks.report(req.taskId, req.owner) })),
    cancel: responder.handler(TaskIdRequest, TaskReply, async (req) => ({ task: await tasks.cancel(req.taskId, req.owner) })),
    list: responder.handler(ListTasksRequest, ListTasksReply, async (req) => ({ tasks: await tasks.list(req) })),
  });
  return responder;
}
