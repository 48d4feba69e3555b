import type { NatsConnection } from "@nats-io/transport-node";
import { encodeMessage, InferReply, textChannel, type TokenLogprob } from "@lantern/shared/contracts";
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

const channelKey = (channel: Channel) => (channel.kind === "tool_call" ? textChannel.toolCall(channel.index) : textChannel[channel.kind]);

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
  /** What was sent, to send again from the first (see `resend`): the acceptance, each channel's whole text, the end. */
  private acceptance: InferReply | undefined;
  private readonly whole = new Map<string, Piece>();
  private end: InferReply | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly replyTo: string,
    private readonly clock?: FlushClock,
  ) {}

  accepted(body: ReplyBody<"accepted">): void {
    this.acceptance = { v: 1, kind: "accepted", ...body };
    this.send(this.acceptance);
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
    this.end = { v: 1, kind: "done", ...body, sent: Object.fromEntries(this.sent) };
    this.send(this.end);
  }

  embeddings(body: ReplyBody<"embeddings">): void {
    this.send({ v: 1, kind: "embeddings", ...body });
  }

  error(body: Omit<ReplyBody<"error">, "param"> & { param?: string | null }): void {
    this.flush();
    this.end = { v: 1, kind: "error", param: null, ...body };
    this.send(this.end);
  }

  /**
   * Sends what was sent so far again, each channel's text whole from offset 0: after the worker's
   * link to NATS dropped, replies written to the lost node before the client noticed are gone. The
   * gateway passes on only text it does not have yet, and ignores a job it has finished.
   */
  resend(): void {
    this.flush();
    if (this.acceptance) this.send(this.acceptance);
    for (const piece of this.whole.values()) this.send(this.replyOf(piece, 0));
    if (this.end) this.send(this.end);
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

  private sendPiece(piece: Piece): void {
    const key = channelKey(piece.channel);
    const offset = this.sent.get(key) ?? 0;
    this.send(this.replyOf(piece, offset));
    this.sent.set(key, offset + piece.text.length);
    const whole = this.whole.get(key);
    if (!whole) this.whole.set(key, { ...piece, logprobs: piece.logprobs ? [...piece.logprobs] : undefined });
    else {
      whole.text += piece.text;
      if (piece.logprobs) (whole.logprobs ??= []).push(...piece.logprobs);
    }
  }

  private replyOf({ channel, text, logprobs }: Piece, offset: number): InferReply {
    if (channel.kind === "content") return { v: 1, kind: "chunk", offset, text, ...(logprobs ? { logprobs } : {}) };
    if (channel.kind === "reasoning") return { v: 1, kind: "reasoning", offset, text };
    return { v: 1, kind: "tool_call", index: channel.index, name: channel.name, offset, arguments: text };
  }

  private send(reply: InferReply): void {
    this.nc.publish(this.replyTo, encodeMessage(InferReply, reply));
  }
}
