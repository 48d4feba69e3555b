const EVENT_END_LF = Buffer.from("\n\n");
const EVENT_END_CRLF = Buffer.from("\r\n\r\n");
const NOTHING = Buffer.alloc(0);
/** Bytes before a new chunk that a boundary cut in two can start in (`\r\n\r` of `\r\n\r\n`). */
const BOUNDARY_OVERLAP = EVENT_END_CRLF.length - 1;

/** An upstream's stream held one event larger than the gateway takes. */
export class SseEventTooLargeError extends Error {
  override name = "SseEventTooLargeError";
}

/** Where the last complete event in `buffer` ends (0: none is complete yet). */
function completeEventsEnd(buffer: Buffer): number {
  const lf = buffer.lastIndexOf(EVENT_END_LF);
  const crlf = buffer.lastIndexOf(EVENT_END_CRLF);
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4);
}

/**
 * Cuts a byte stream of server-sent events at event boundaries: each push gives back the events
 * it completed, whole, and holds the unfinished rest. The rest is kept as the chunks came and
 * joined once its event ends, so an event that arrives in many pieces costs its size once, not
 * once per piece; one that grows past `maxEventBytes` throws SseEventTooLargeError.
 */
export class SseEventCutter {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** The last few held bytes, where a boundary that the next chunk completes would begin. */
  private heldTail: Buffer = NOTHING;

  constructor(private readonly maxEventBytes: number) {}

  /** The events this chunk completed (a view of the bytes, untouched), or undefined while an event is unfinished. */
  push(chunk: Buffer): Buffer | undefined {
    let bytes = chunk;
    if (this.heldBytes > 0) {
      if (completeEventsEnd(Buffer.concat([this.heldTail, chunk])) === 0) {
        this.hold(chunk);
        return undefined;
      }
      bytes = Buffer.concat([...this.held, chunk]);
      this.clear();
    }
    const end = completeEventsEnd(bytes);
    if (end === bytes.length) return bytes;
    this.hold(end === 0 ? bytes : bytes.subarray(end));
    return end === 0 ? undefined : bytes.subarray(0, end);
  }

  /** What is held once the stream ended: an event that lacked its closing blank line, if any. */
  rest(): Buffer | undefined {
    if (this.heldBytes === 0) return undefined;
    const rest = Buffer.concat(this.held);
    this.clear();
    return rest;
  }

  private hold(bytes: Buffer): void {
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    this.heldTail = bytes.length >= BOUNDARY_OVERLAP ? bytes.subarray(-BOUNDARY_OVERLAP) : Buffer.concat([this.heldTail, bytes]).subarray(-BOUNDARY_OVERLAP);
    if (this.heldBytes > this.maxEventBytes) {
      this.clear();
      throw new SseEventTooLargeError(`a stream event passed ${this.maxEventBytes} bytes before it ended`);
    }
  }

  private clear(): void {
    this.held = [];
    this.heldBytes = 0;
    this.heldTail = NOTHING;
  }
}
