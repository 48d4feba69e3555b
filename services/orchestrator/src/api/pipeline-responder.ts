import type { NatsConnection } from "@nats-io/transport-node";
import {
  CheckReply,
  CheckRequest,
  DefinitionReply,
  GetDefinitionRequest,
  GetRunRequest,
  ModelsReportReply,
  ModelsReportRequest,
  SaveDefinitionReply,
  SaveDefinitionRequest,
  ListDefinitionsReply,
  ListDefinitionsRequest,
  ListRunsReply,
  ListRunsRequest,
  RerunRequest,
  RetryRunRequest,
  RunReply,
  StartRunRequest,
  type NatsNames,
  type PipelineOp,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { PipelineDefinitions } from "../definitions/pipeline-definitions.js";
import type { PipelineRuns } from "../runs/pipeline-runs.js";
import { OpResponder } from "./op-responder.js";

/** Answers the pipeline requests (`orchestrator.pipelines.<op>`). */
export class PipelineResponder {
  private readonly responder: OpResponder<PipelineOp>;

  constructor(
    nc: NatsConnection,
    private readonly names: NatsNames,
    private readonly runs: PipelineRuns,
    private readonly definitions: PipelineDefinitions,
    logger: Logger,
  ) {
    this.responder = new OpResponder(nc, names.queueGroups.orchestrators, logger);
  }

  start(): void {
    const { runs, definitions, responder } = this;
    responder.start(this.names.subjects.orchestratorPipelines, {
      start: responder.handler(StartRunRequest, RunReply, async (req) => ({ run: await runs.start(req) })),
      get: responder.handler(GetRunRequest, RunReply, async (req) => ({ run: await runs.get(req.runId, req.owner) })),
      rerun: responder.handler(RerunRequest, RunReply, async (req) => ({ run: await runs.rerun(req) })),
      retry: responder.handler(RetryRunRequest, RunReply, async (req) => ({ run: await runs.retry(req) })),
      list: responder.handler(ListRunsRequest, ListRunsReply, async (req) => ({ runs: await runs.list(req) })),
      definitions: responder.handler(ListDefinitionsRequest, ListDefinitionsReply, async () => runs.definitions()),
      definition: responder.handler(GetDefinitionRequest, DefinitionReply, async (req) => ({ definition: await definitions.definition(req.name) })),
      save: responder.handler(SaveDefinitionRequest, SaveDefinitionReply, async (req) => ({ saved: await definitions.save(req.name, req.definition, req.overwrite) })),
      models: responder.handler(ModelsReportRequest, ModelsReportReply, async () => ({ report: await definitions.models() })),
      check: responder.handler(CheckRequest, CheckReply, async (req) => ({ check: await definitions.check(req) })),
    });
  }

  /** Stops taking requests; those being answered finish. */
  stop(): Promise<void> {
    return this.responder.stop();
  }
}
