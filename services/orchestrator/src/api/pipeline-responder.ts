import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import type { z } from "zod";
import {
  encodeMessage,
  GetRunRequest,
  ListDefinitionsReply,
  ListDefinitionsRequest,
  ListRunsReply,
  ListRunsRequest,
  RerunRequest,
  RetryRunRequest,
  RunReply,
  StartRunRequest,
  decodeMessage,
  MessageDecodeError,
  type NatsNames,
  type OrchestratorError,
  type PipelineOp,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { OrchestratorFailure } from "../runs/orchestrator-failure.js";
import type { PipelineRuns } from "../runs/pipeline-runs.js";

type Handler = (data: Uint8Array) => Promise<Uint8Array>;

/**
 * Answers the pipeline requests (`orchestrator.pipelines.<op>`) in the orchestrators' queue
 * group: one replica answers each. A failure is the reply's error, never a silence.
 */
export class PipelineResponder {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
    private readonly runs: PipelineRuns,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const { runs } = this;
    const handlers: Record<PipelineOp, Handler> = {
      start: this.handler(StartRunRequest, RunReply, async (req) => ({ run: await runs.start(req) })),
      get: this.handler(GetRunRequest, RunReply, async (req) => ({ run: await runs.get(req.runId) })),
      rerun: this.handler(RerunRequest, RunReply, async (req) => ({ run: await runs.rerun(req) })),
      retry: this.handler(RetryRunRequest, RunReply, async (req) => ({ run: await runs.retry(req) })),
      list: this.handler(ListRunsRequest, ListRunsReply, async (req) => ({ runs: await runs.list(req) })),
      definitions: this.handler(ListDefinitionsRequest, ListDefinitionsReply, async () => runs.definitions()),
    };
    for (const [op, handle] of Object.entries(handlers) as Array<[PipelineOp, Handler]>) {
      this.subscriptions.push(
        this.nc.subscribe(this.names.subjects.orchestratorPipelines(op), {
          queue: this.names.queueGroups.orchestrators,
          callback: (err, msg) => {
            if (!err) void this.answer(op, msg, handle);
          },
        }),
      );
    }
  }

  /** Stops taking requests; those being answered finish. */
  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => {})));
  }

  private async answer(op: PipelineOp, msg: Msg, handle: Handler): Promise<void> {
    try {
      msg.respond(await handle(msg.data));
    } catch (err) {
      this.logger.error({ err, op }, "could not answer a pipeline request");
    }
  }

  private handler<Req extends z.ZodType, Rep extends z.ZodType>(
    request: Req,
    reply: Rep,
    run: (req: z.output<Req>) => Promise<Record<string, unknown>>,
  ): Handler {
    return async (data) => {
      const fail = (error: OrchestratorError) => encodeMessage(reply, { v: 1, ok: false, error } as z.input<Rep>);
      let req: z.output<Req>;
      try {
        req = decodeMessage(request, data);
      } catch (err) {
        if (err instanceof MessageDecodeError) return fail({ status: 400, code: "invalid_request", message: err.message, param: null });
        throw err;
      }
      try {
        return encodeMessage(reply, { v: 1, ok: true, ...(await run(req)) } as z.input<Rep>);
      } catch (err) {
        if (err instanceof OrchestratorFailure) return fail(err.toError());
        this.logger.error({ err }, "pipeline request failed");
        return fail({ status: 500, code: "internal_error", message: `The orchestrator failed: ${(err as Error).message}`, param: null });
      }
    };
  }
}
