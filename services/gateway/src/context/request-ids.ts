import { randomFillSync } from "node:crypto";

const ID_BYTES = 12;
const POOL_IDS = 256;

/**
 * Request ids in the shape of `newRequestId` (`req_` + 12 random bytes, base64url), drawn from a
 * pool filled 256 ids at a time: one call into the system's random source per pool instead of one
 * per request.
 */
export class RequestIds {
  private readonly pool = Buffer.alloc(ID_BYTES * POOL_IDS);
  private next = POOL_IDS;

  constructor(private readonly prefix = "req") {}

  take(): string {
    if (this.next === POOL_IDS) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    const start = this.next++ * ID_BYTES;
    return `${this.prefix}_${this.pool.toString("base64url", start, start + ID_BYTES)}`;
  }
}
