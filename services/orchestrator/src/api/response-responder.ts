import type { NatsConnection } from "@nats-io/transport-node";
import {
  StoredResponseDoneReply,
  StoredResponseIdRequest,
  StoredResponseReply,
  StoreResponseRequest,
  type NatsNames,
  type StoredResponseOp,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ResponseStore } from "../responses/response-store.js";
import { OrchestratorFailure } from "../runs/orchestrator-failure.js";
import { OpResponder } from "./op-responder.js";

// Another key's response is as unknown as one that never existed: its id tells nothing.
const notFound = (id: string) => new OrchestratorFailure(404, "response_not_found", `No response has the id '${id}'.`, "response_id");

/** Answers the stored-response requests (`orchestrator.responses.<op>`). */
export function startResponseResponder(nc: NatsConnection, names: NatsNames, store: ResponseStore, logger: Logger): OpResponder<StoredResponseOp> {
  const responder = new OpResponder<StoredResponseOp>(nc, names.queueGroups.orchestrators, logger);
  responder.start(names.subjects.orchestratorResponses, {
    store: responder.handler(StoreResponseRequest, StoredResponseDoneReply, async ({ responseId, owner, response, inputItems, context }) => {
      await store.put(responseId, owner, { response, inputItems, context });
      return {};
    }),
    get: responder.handler(StoredResponseIdRequest, StoredResponseReply, async ({ responseId, owner }) => {
      const stored = await store.get(responseId, owner);
      if (!stored) throw notFound(responseId);
      return { stored };
    }),
    delete: responder.handler(StoredResponseIdRequest, StoredResponseDoneReply, async ({ responseId, owner }) => {
      if (!(await store.delete(responseId, owner))) throw notFound(responseId);
      return {};
    }),
  });
  return responder;
}
