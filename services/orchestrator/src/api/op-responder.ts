import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import type { z } from "zod";
import { decodeMessage, encodeMessage, MessageDecodeError, type OrchestratorError } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { OrchestratorFailure } from "../runs/orchestrator-failure.js";

type OpHandler = (data: Uint8Array) => Promise<Uint8Array>;

/**
 * Answers one request/reply API of the orchestrators, one subject per operation, in their queue
 * group: one replica answers each. A failure is the reply's error, never a silence.
 */
export class OpResponder<Op extends string> {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly queue: string,
    private readonly logger: Logger,
  ) {}

  start(subjectOf: (op: Op) => string, handlers: Record<Op, OpHandler>): void {
    for (const [op, handle] of Object.entries(handlers) as Array<[Op, OpHandler]>) {
      this.subscriptions.push(
        this.nc.subscribe(subjectOf(op), {
          queue: this.queue,
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

  private async answer(op: Op, msg: Msg, handle: OpHandler): Promise<void> {
    try {
      msg.respond(await handle(msg.data));
    } catch (err) {
      this.logger.error({ err, op }, "could not answer a request");
    }
  }

  /** Decodes the request, runs it, encodes the reply; OrchestratorFailure becomes the reply's error. */
  handler<Req extends z.ZodType, Rep extends z.ZodType>(request: Req, reply: Rep, run: (req: z.output<Req>) => Promise<Record<string, unknown>>): OpHandler {
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
        this.logger.error({ err }, "request failed");
        return fail({ status: 500, code: "internal_error", message: `The orchestrator failed: ${(err as Error).message}`, param: null });
      }
    };
  }
}
