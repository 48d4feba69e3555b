import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { decodeMessage, InferReply, type NatsNames } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";

export type ReplyHandler = (reply: InferReply) => void;

/**
 * One subscription for every reply addressed to this client (a gateway, an orchestrator); the last subject token is the
 * request id, which picks the handler. Replies for requests no longer waiting are dropped.
 */
export class ReplyRouter {
  private readonly handlers = new Map<string, ReplyHandler>();
  private subscription: Subscription | undefined;
  private readonly prefixLength: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
    readonly clientId: string,
    private readonly logger: Logger,
  ) {
    this.prefixLength = names.subjects.reply(clientId, "").length;
  }

  start(): void {
    this.subscription = this.nc.subscribe(this.names.subjects.replyAll(this.clientId), {
      callback: (err, msg) => {
        if (err) return;
        const handler = this.handlers.get(msg.subject.slice(this.prefixLength));
        if (!handler) return;
        let reply: InferReply;
        try {
          reply = decodeMessage(InferReply, msg.data);
        } catch (decodeErr) {
          this.logger.warn({ err: decodeErr, subject: msg.subject }, "dropping malformed reply");
          return;
        }
        handler(reply);
      },
    });
  }

  replySubject(requestId: string): string {
    return this.names.subjects.reply(this.clientId, requestId);
  }

  register(requestId: string, handler: ReplyHandler): void {
    this.handlers.set(requestId, handler);
  }

  unregister(requestId: string): void {
    this.handlers.delete(requestId);
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
