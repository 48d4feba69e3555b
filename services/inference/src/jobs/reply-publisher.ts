import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, InferReply } from "@lantern/shared/contracts";
import type { FlushClock } from "./flush-clock.js";

type ReplyBody<K extends InferReply["kind"]> = Omit<Extract<InferReply, { kind: K }>, "v" | "kind">;

/**
 * Sends one job's reply stream (core NATS: low latency; the job itself is the durable part).
 * The first text goes out at once; later text is coalesced until the worker's next flush tick, so
 * a fast model costs the network, the gateway and the client one message per tick, not one per
 * token. Without a clock every piece of text is sent at once.
 */
export class ReplyPublisher {
  private sent = 0;
  private pending = "";

  constructor(
    private readonly nc: NatsConnection,
    private readonly replyTo: string,
    private readonly clock?: FlushClock,
  ) {}

  accepted(body: ReplyBody<"accepted">): void {
    this.send({ v: 1, kind: "accepted", ...body });
  }

  chunk(text: string): void {
    if (this.sent === 0 || !this.clock) {
      this.sendText(text);
      return;
    }
    if (!this.pending) this.clock.schedule(this.flush);
    this.pending += text;
  }

  done(body: ReplyBody<"done">): void {
    this.flush();
    this.send({ v: 1, kind: "done", ...body });
  }

  embeddings(body: ReplyBody<"embeddings">): void {
    this.send({ v: 1, kind: "embeddings", ...body });
  }

  error(body: Omit<ReplyBody<"error">, "param"> & { param?: string | null }): void {
    this.flush();
    this.send({ v: 1, kind: "error", param: null, ...body });
  }

  private readonly flush = (): void => {
    this.clock?.unschedule(this.flush);
    if (!this.pending) return;
    const text = this.pending;
    this.pending = "";
    this.sendText(text);
  };

  private sendText(text: string): void {
    this.send({ v: 1, kind: "chunk", offset: this.sent, text });
    this.sent += text.length;
  }

  private send(reply: InferReply): void {
    this.nc.publish(this.replyTo, encodeMessage(InferReply, reply));
  }
}
