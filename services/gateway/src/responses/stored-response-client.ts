import type { NatsConnection } from "@nats-io/transport-node";
import {
  StoredResponseDoneReply,
  StoredResponseIdRequest,
  StoredResponseReply,
  StoreResponseRequest,
  type NatsNames,
  type StoredResponse,
} from "@lantern/shared/contracts";
import { OrchestratorClient } from "../pipelines/orchestrator-client.js";

const ORCHESTRATOR_TIMEOUT_MS = 10_000;

/** Keeps and reads responses of `/v1/responses` in the orchestrators' database (`orchestrator.responses.<op>`). */
export class StoredResponseClient {
  private readonly orchestrator: OrchestratorClient;

  constructor(
    nc: NatsConnection,
    private readonly names: NatsNames,
  ) {
    this.orchestrator = new OrchestratorClient(nc, names, ORCHESTRATOR_TIMEOUT_MS);
  }

  async store(owner: string | null, responseId: string, stored: StoredResponse): Promise<void> {
    const subject = this.names.subjects.orchestratorResponses("store");
    await this.orchestrator.ask(subject, StoreResponseRequest, { v: 1, owner, responseId, ...stored }, StoredResponseDoneReply, "stored responses");
  }

  /** Throws ApiError 404 (`response_not_found`) for an unknown id or another key's. */
  async get(owner: string | null, responseId: string): Promise<StoredResponse> {
    const subject = this.names.subjects.orchestratorResponses("get");
    return (await this.orchestrator.ask(subject, StoredResponseIdRequest, { v: 1, owner, responseId }, StoredResponseReply, "stored responses")).stored;
  }

  async delete(owner: string | null, responseId: string): Promise<void> {
    const subject = this.names.subjects.orchestratorResponses("delete");
    await this.orchestrator.ask(subject, StoredResponseIdRequest, { v: 1, owner, responseId }, StoredResponseDoneReply, "stored responses");
  }
}
