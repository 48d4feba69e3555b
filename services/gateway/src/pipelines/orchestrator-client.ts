import { RequestError, TimeoutError, type NatsConnection } from "@nats-io/transport-node";
import type { z } from "zod";
import { decodeMessage, encodeMessage, type NatsNames, type OrchestratorError, type PipelineOp } from "@lantern/shared/contracts";
import { ApiError, type ApiErrorType } from "../errors/api-error.js";

const TYPE_BY_STATUS: Record<OrchestratorError["status"], ApiErrorType> = {
  400: "invalid_request_error",
  403: "permission_error",
  404: "not_found_error",
  409: "invalid_request_error",
  422: "invalid_request_error",
  500: "server_error",
  503: "service_unavailable_error",
};

/**
 * How long "no responders" is asked again before it means that no orchestrator runs: an
 * orchestrator whose link to NATS dropped (a lost node, pongs late on a loaded machine) has no
 * subscription until it reconnects, a moment later. Nobody got the request, so asking again is safe.
 */
const NO_RESPONDERS_GRACE_MS = 3_000;

type Answered<Rep extends z.ZodType> = Extract<z.output<Rep>, { ok: true }>;

/** Asks the orchestrators (request/reply, one of their queue group answers) and turns refusals into ApiErrors. */
export class OrchestratorClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
    private readonly timeoutMs: number,
  ) {}

  request<Req extends z.ZodType, Rep extends z.ZodType>(op: PipelineOp, request: Req, body: z.input<Req>, reply: Rep): Promise<Answered<Rep>> {
    return this.ask(this.names.subjects.orchestratorPipelines(op), request, body, reply, "pipelines");
  }

  /** Any orchestrator API subject; `feature` names what is unavailable when none answers. */
  async ask<Req extends z.ZodType, Rep extends z.ZodType>(subject: string, request: Req, body: z.input<Req>, reply: Rep, feature: string): Promise<Answered<Rep>> {
    let data: Uint8Array;
    try {
      data = await this.requestWithGrace(subject, encodeMessage(request, body));
    } catch (err) {
      if (err instanceof RequestError && err.isNoResponders()) {
        throw new ApiError(503, "service_unavailable_error", `No orchestrator is running, so ${feature} are unavailable. Start one (npm start does; or run services/orchestrator/src/main.ts) and try again.`, {
          code: "orchestrator_unavailable",
          headers: { "Retry-After": "5" },
          cause: err,
        });
      }
      if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
        throw new ApiError(504, "timeout_error", `The orchestrator did not answer within ${this.timeoutMs} ms. Try again.`, { code: "timeout", cause: err });
      }
      throw err;
    }
    const answer = decodeMessage(reply, data) as { ok: boolean; error?: OrchestratorError };
    if (!answer.ok) {
      const error = answer.error!;
      throw new ApiError(error.status, TYPE_BY_STATUS[error.status], error.message, { code: error.code, param: error.param });
    }
    return answer as Answered<Rep>;
  }

  private async requestWithGrace(subject: string, payload: Uint8Array): Promise<Uint8Array> {
    const graceEndsAt = Date.now() + NO_RESPONDERS_GRACE_MS;
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
      try {
        return (await this.nc.request(subject, payload, { timeout: this.timeoutMs })).data;
      } catch (err) {
        if (!(err instanceof RequestError && err.isNoResponders()) || Date.now() + pauseMs > graceEndsAt) throw err;
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    }
  }
}
