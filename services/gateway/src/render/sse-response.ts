import type { ServerResponse } from "node:http";

/** How much a stream may hold for a client that does not read, and for how long. */
export interface SseBounds {
  /** Bytes written but not yet taken by the client's socket. */
  maxPendingBytes: number;
  /** How long pending bytes may sit without the socket taking any. */
  stallMs: number;
}

export type TooSlowReason = "buffer" | "stall";

/** How long a dropped stream's last event may take to leave before the connection is cut. */
const DROP_GRACE_MS = 1_000;

/**
 * A server-sent event stream written straight onto Node's response: one socket write per event,
 * without the web-stream pipeline in between, which costs more than the event itself when a
 * model streams hundreds of tokens a second. Writes within one tick leave in one packet.
 *
 * Without bounds a write resolves once the socket can take more, so the writer goes at the
 * client's pace. With bounds writes never wait: generation goes on at the model's pace, and what
 * the client has not taken yet is bounded; past the bounds `onTooSlow` is called once, and the
 * stream is then the caller's to `drop`.
 */
export class SseResponse {
  private corked = false;
  private dropped = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private tooSlow: ((reason: TooSlowReason) => void) | undefined;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly bounds?: SseBounds,
  ) {}

  get closed(): boolean {
    return this.dropped || this.res.destroyed || this.res.writableEnded;
  }

  /** Bytes the client's socket has not taken yet. */
  get pendingBytes(): number {
    return this.res.writableLength;
  }

  /** Whether the client got the whole stream. */
  get delivered(): boolean {
    return this.res.writableFinished;
  }

  /** Sends the head: the request's own headers (see response-headers.ts) and the event stream's. */
  open(headers: Record<string, string>): void {
    this.res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    // The client learns at once that a worker took the job, even before the first token.
    this.res.flushHeaders();
    this.res.once("close", () => this.clearStall());
  }

  /** Called once when the client falls behind the bounds. */
  onTooSlow(handler: (reason: TooSlowReason) => void): void {
    this.tooSlow = handler;
  }

  /** One `data:` event, with an `id:` (what a reconnecting client sends back as `Last-Event-ID`) when given. */
  data(payload: string, id?: string): Promise<void> {
    return this.write(id === undefined ? `data: ${payload}\n\n` : `id: ${id}\ndata: ${payload}\n\n`);
  }

  /** One event with a name (`event:`), as Anthropic's streams carry them. */
  event(name: string, payload: string): Promise<void> {
    return this.write(`event: ${name}\ndata: ${payload}\n\n`);
  }

  comment(text: string): Promise<void> {
    return this.write(`: ${text}\n\n`);
  }

  /** Ends the stream, with a last `data:` event (named `name`, when given) in the same write when given. */
  end(lastData?: string, name?: string): void {
    if (this.closed) return;
    this.clearStall();
    if (lastData === undefined) this.res.end();
    else this.res.end(`${name === undefined ? "" : `event: ${name}\n`}data: ${lastData}\n\n`);
  }

  /**
   * Ends the stream with a last event the client may never read, and cuts the connection if it
   * has not taken everything shortly after: a client that stopped reading holds nothing here.
   * Later writes are dropped.
   */
  drop(lastData: string, name?: string): void {
    if (this.closed) return;
    this.end(lastData, name);
    this.dropped = true;
    const cut = setTimeout(() => this.res.destroy(), DROP_GRACE_MS);
    cut.unref();
    this.res.once("close", () => clearTimeout(cut));
  }

  private write(text: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    if (this.res.write(text)) return Promise.resolve();
    if (!this.bounds) return this.drained();
    // The socket is full: the rest waits in memory until the client reads.
    if (this.res.writableLength > this.bounds.maxPendingBytes) this.fallBehind("buffer");
    else if (!this.stallTimer) {
      this.stallTimer = setTimeout(() => this.fallBehind("stall"), this.bounds.stallMs);
      this.res.once("drain", () => this.clearStall());
    }
    return Promise.resolve();
  }

  /** One wait for all the writes made while the socket is full: a listener each would pile up on the response. */
  private drained(): Promise<void> {
    this.draining ??= new Promise((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        this.res.off("close", done);
        this.draining = undefined;
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
    return this.draining;
  }

  private fallBehind(reason: TooSlowReason): void {
    this.clearStall();
    const handler = this.tooSlow;
    this.tooSlow = undefined;
    handler?.(reason);
  }

  private clearStall(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}
