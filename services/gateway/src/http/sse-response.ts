import type { ServerResponse } from "node:http";

/**
 * A server-sent event stream written straight onto Node's response: one socket write per event,
 * without the web-stream pipeline in between, which costs more than the event itself when a
 * model streams hundreds of tokens a second. Writes within one tick leave in one packet.
 */
export class SseResponse {
  private corked = false;

  constructor(private readonly res: ServerResponse) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  open(headers: Iterable<[string, string]>): void {
    for (const [name, value] of headers) this.res.setHeader(name, value);
    this.res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    // The client learns at once that a worker took the job, even before the first token.
    this.res.flushHeaders();
  }

  /** One `data:` event; resolves once the socket can take more (never waits on a closed one). */
  data(payload: string): Promise<void> {
    return this.write(`data: ${payload}\n\n`);
  }

  comment(text: string): Promise<void> {
    return this.write(`: ${text}\n\n`);
  }

  /** Ends the stream, with a last `data:` event in the same write when given. */
  end(lastData?: string): void {
    if (this.closed) return;
    if (lastData === undefined) this.res.end();
    else this.res.end(`data: ${lastData}\n\n`);
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
    return new Promise((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }
}
