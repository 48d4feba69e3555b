import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import {
  decodeMessage,
  encodeMessage,
  MessageDecodeError,
  ModelControlReply,
  ModelControlRequest,
  ModelEstimateReply,
  type ModelSpec,
  type NatsNames,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ModelHost } from "../models/model-host.js";
import { ModelLoadError } from "../models/model-load-error.js";

/** What load, unload and estimate commands act on. */
export type ModelCommands = Pick<ModelHost, "load" | "unload" | "estimate">;

interface ModelControlOptions {
  nc: NatsConnection;
  names: NatsNames;
  workerId: string;
  host: ModelCommands;
  logger: Logger;
}

/** Answers load, unload and estimate commands on this worker's control subject (request/reply). */
export class ModelControl {
  private subscription: Subscription | undefined;

  constructor(private readonly opts: ModelControlOptions) {}

  start(): void {
    this.subscription = this.opts.nc.subscribe(this.opts.names.subjects.modelControl(this.opts.workerId), {
      callback: (err, msg) => {
        if (!err) void this.handle(msg);
      },
    });
  }

  private async handle(msg: Msg): Promise<void> {
    let request: ModelControlRequest;
    try {
      request = decodeMessage(ModelControlRequest, msg.data);
    } catch (err) {
      const reason = err instanceof MessageDecodeError ? err.message : "unreadable request";
      if (msg.reply) msg.respond(encodeMessage(ModelControlReply, { v: 1, ok: false, error: { code: "invalid_request", message: reason } }));
      return;
    }
    if (request.op === "estimate") {
      const reply = await this.estimate(request.model);
      if (msg.reply) msg.respond(encodeMessage(ModelEstimateReply, reply));
      return;
    }
    const reply = await this.run(request);
    if (msg.reply) msg.respond(encodeMessage(ModelControlReply, reply));
  }

  /** Nothing is loaded: the estimate a load would make, with the limits it breaks. */
  private async estimate(model: ModelSpec): Promise<ModelEstimateReply> {
    try {
      return { v: 1, ok: true, ...(await this.opts.host.estimate(model)) };
    } catch (err) {
      if (err instanceof ModelLoadError) return { v: 1, ok: false, error: { code: err.code, message: err.message } };
      this.opts.logger.error({ err, model: model.name }, "model estimate failed");
      return { v: 1, ok: false, error: { code: "load_failed", message: err instanceof Error ? err.message : String(err) } };
    }
  }

  private async run(request: Exclude<ModelControlRequest, { op: "estimate" }>): Promise<ModelControlReply> {
    const log = this.opts.logger.child({ op: request.op, model: request.op === "load" ? request.model.name : request.name });
    log.info({ request }, "model command");
    try {
      const model =
        request.op === "load"
          ? await this.opts.host.load(request.model, "command")
          : await this.opts.host.unload(request.name, request.graceMs);
      return { v: 1, ok: true, model };
    } catch (err) {
      if (err instanceof ModelLoadError) {
        return { v: 1, ok: false, error: { code: err.code, message: err.message, ...(err.fit ? { fit: err.fit } : {}) } };
      }
      log.error({ err }, "model command failed");
      return { v: 1, ok: false, error: { code: "load_failed", message: err instanceof Error ? err.message : String(err) } };
    }
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
