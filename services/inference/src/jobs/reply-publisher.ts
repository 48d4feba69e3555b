import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, InferReply } from "@lantern/shared/contracts";

type ReplyBody<K extends InferReply["kind"]> = Omit<Extract<InferReply, { kind: K }>, "v" | "kind">;

/** Sends one job's reply stream (core NATS: low latency; the job itself is the durable part). */
export class ReplyPublisher {
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly replyTo: string,
  ) {}

  accepted(body: ReplyBody<"accepted">): void {
    this.send({ v: 1, kind: "accepted", ...body });
  }

  chunk(text: string): void {
    this.send({ v: 1, kind: "chunk", seq: this.seq++, text });
  }

  done(body: ReplyBody<"done">): void {
    this.send({ v: 1, kind: "done", ...body });
  }

  error(body: Omit<ReplyBody<"error">, "param"> & { param?: string | null }): void {
    this.send({ v: 1, kind: "error", param: null, ...body });
  }

  private send(reply: InferReply): void {
    this.nc.publish(this.replyTo, encodeMessage(InferReply, reply));
  }
}
