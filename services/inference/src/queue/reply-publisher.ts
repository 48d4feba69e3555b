import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, InferReply, type TokenLogprob } from "@lantern/shared/contracts";
import type { FlushClock } from "./flush-clock.js";

type ReplyBody<K extends InferReply["kind"]> = Omit<Extract<InferReply, { kind: K }>, "v" | "kind">;

/** Where a piece of generated text belongs; each channel counts its own offsets. */
type Channel = { kind: "content" } | { kind: "reasoning" } | { kind: "tool_call"; index: number; name: string };

/** Text of one channel; content may carry its tokens' log probabilities (only the plain loop reports them). */
interface Piece {
  channel: Channel;
  text: string;
  logprobs?: TokenLogprob[] | undefined;
}

const channelKey = (channel: Channel) => (channel.kind === "tool_call" ? `tool_call:${channel.index}` : channel.kind);

/**
 * Sends one job's reply stream (core NATS: low latency; the job itself is the durable part).
 * The first text goes out at once; later text is coalesced until the worker's next flush tick, so
 * a fast model costs the network, the gateway and the client one message per tick, not one per
 * token. Without a clock every piece of text is sent at once. Text, thoughts and each function
 * call's arguments are separate channels, sent in the order they were generated.
 */
export class ReplyPublisher {
  /** Text sent so far per channel, in UTF-16 units: the next piece's offset. */
  private readonly sent = new Map<string, number>();
  private pending: Piece[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly replyTo: string,
    private readonly clock?: FlushClock,
  ) {}

  accepted(body: ReplyBody<"accepted">): void {
    this.send({ v: 1, kind: "accepted", ...body });
  }

  /** A piece of the reply's text, with its tokens' log probabilities when the job asked for them. */
  chunk(text: string, logprobs?: TokenLogprob[]): void {
    this.push({ channel: { kind: "content" }, text, logprobs });
  }

  reasoning(text: string): void {
    this.push({ channel: { kind: "reasoning" }, text });
  }

  /** A piece of the arguments (JSON text) of the reply's `index`-th function call. */
  toolCall(index: number, name: string, args: string): void {
    this.push({ channel: { kind: "tool_call", index, name }, text: args });
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

  private push(piece: Piece): void {
    if (this.sent.size === 0 || !this.clock) {
      this.sendPiece(piece);
      return;
    }
    const last = this.pending.at(-1);
    if (last && channelKey(last.channel) === channelKey(piece.channel)) {
      last.text += piece.text;
      // A chunk's entries keep joining to exactly its text.
      if (piece.logprobs) (last.logprobs ??= []).push(...piece.logprobs);
      return;
    }
    if (this.pending.length === 0) this.clock.schedule(this.flush);
    this.pending.push({ ...piece, logprobs: piece.logprobs ? [...piece.logprobs] : undefined });
  }

  private readonly flush = (): void => {
    this.clock?.unschedule(this.flush);
    const pending = this.pending;
    this.pending = [];
    for (const piece of pending) this.sendPiece(piece);
  };

  private sendPiece({ channel, text, logprobs }: Piece): void {
    const key = channelKey(channel);
    const offset = this.sent.get(key) ?? 0;
    if (channel.kind === "content") this.send({ v: 1, kind: "chunk", offset, text, ...(logprobs ? { logprobs } : {}) });
    else if (channel.kind === "reasoning") this.send({ v: 1, kind: "reasoning", offset, text });
    else this.send({ v: 1, kind: "tool_call", index: channel.index, name: channel.name, offset, arguments: text });
    this.sent.set(key, offset + text.length);
  }

  private send(reply: InferReply): void {
    this.nc.publish(this.replyTo, encodeMessage(InferReply, reply));
  }
}
