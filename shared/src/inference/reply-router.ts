import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { decodeMessage, InferReply, type NatsNames } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";

type ReplyHandler = (reply: InferReply) => void;

/**
 * One subscription for every reply addressed to this client (a gateway, an orchestrator); the last subject token is the
 * request id, which picks the handler. Replies for requests no longer waiting are dropped. A second one takes the
 * replies of resumable streams, which come on kept subjects (stream REPLIES stores those too).
 */
export class ReplyRouter {
  private readonly handlers = new Map<string, ReplyHandler>();
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
    readonly clientId: string,
    private readonly logger: Logger,
  ) {
  }

  start(): void {
    const { subjects } = this.names;
    this.subscriptions = [
      this.listen(subjects.replyAll(this.clientId), subjects.reply(this.clientId, "").length),
      this.listen(subjects.keptReplyAll(this.clientId), subjects.keptReply(this.clientId, "").length),
    ];
  }

  private listen(subject: string, prefixLength: number): Subscription {
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const handler = this.handlers.get(msg.subject.slice(prefixLength));
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

  /** Where the worker sends the replies of a stream that can be resumed at another client. */
  keptReplySubject(requestId: string): string {
    return this.names.subjects.keptReply(this.clientId, requestId);
  }

  register(requestId: string, handler: ReplyHandler): void {
    this.handlers.set(requestId, handler);
  }

  unregister(requestId: string): void {
    this.handlers.delete(requestId);
  }

  /** The jobs whose replies are awaited here now. */
  awaited(): IterableIterator<string> {
    return this.handlers.keys();
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}
