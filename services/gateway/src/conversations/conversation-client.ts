import type { NatsConnection } from "@nats-io/transport-node";
import type { z } from "zod";
import type { ConversationOp, NatsNames } from "@lantern/shared/contracts";
import { OrchestratorClient } from "../pipelines/orchestrator-client.js";

const ORCHESTRATOR_TIMEOUT_MS = 10_000;

/** Asks the orchestrators about conversations (`orchestrator.conversations.<op>`). */
export class ConversationClient {
  private readonly orchestrator: OrchestratorClient;

  constructor(
    nc: NatsConnection,
    private readonly names: NatsNames,
  ) {
    this.orchestrator = new OrchestratorClient(nc, names, ORCHESTRATOR_TIMEOUT_MS);
  }

  ask<Req extends z.ZodType, Rep extends z.ZodType>(op: ConversationOp, request: Req, body: z.input<Req>, reply: Rep) {
    return this.orchestrator.ask(this.names.subjects.orchestratorConversations(op), request, body, reply, "conversations");
  }
}
