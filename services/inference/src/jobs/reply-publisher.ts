import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, InferReply } from "@lantern/shared/contracts";

type ReplyBody<K extends InferReply["kind"]> = Omit<Extract<InferReply, { kind: K }>, "v" | "kind">;

/**
 * Sends one job's reply stream (core NATS: low latency; the job itself is the durable part).
 * The first text goes out at once; later text is coalesced for up to `flushMs`, so a fast model
 * costs the network, the gateway and the client one message per interval, not one per token.
 */
export class ReplyPublisher {
  private sent = 0;
  private pending = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly replyTo: string,
    private readonly flushMs = 0,
  ) {}

  accepted(body: ReplyBody<"accepted">): void {
    this.send({ v: 1, kind: "accepted", ...body });
  }

  chunk(text: string): void {
    if (this.sent === 0 || this.flushMs <= 0) {
      this.sendText(text);
      return;
    }
    this.pending += text;
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  done(body: ReplyBody<"done">): void {
    this.flush();
    this.send({ v: 1, kind: "done", ...body });
  }

  error(body: Omit<ReplyBody<"error">, "param"> & { param?: string | null }): void {
    this.flush();
    this.send({ v: 1, kind: "error", param: null, ...body });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = "";
    this.sendText(text);
  }

  private sendText(text: string): void {
    this.send({ v: 1, kind: "chunk", offset: this.sent, text });
    this.sent += text.length;
  }

  private send(reply: InferReply): void {
    this.nc.publish(this.replyTo, encodeMessage(InferReply, reply));
  }
}
