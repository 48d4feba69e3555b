import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { SseResponse } from "./sse-response.js";

/** A response whose client takes nothing until told: every write finds the socket full. */
class FullResponse extends EventEmitter {
  destroyed = false;
  writableEnded = false;
  writableFinished = false;
  writableLength = 0;
  written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    return false;
  }
  cork(): void {}
  uncork(): void {}
}

describe("SseResponse without bounds", () => {
  it("makes writes made while the socket is full wait for one drain, adding one listener for them all", async () => {
    const res = new FullResponse();
    const sse = new SseResponse(res as unknown as ServerResponse);
    const before = res.listenerCount("close");
    const writes = Array.from({ length: 50 }, (_, i) => sse.data(String(i)));
    expect(res.listenerCount("close") - before).toBe(1);
    expect(res.listenerCount("drain")).toBe(1);
    let settled = 0;
    for (const w of writes) void w.then(() => settled++);
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(0);
    res.emit("drain");
    await Promise.all(writes);
    expect(res.listenerCount("close") - before).toBe(0);
    expect(res.written).toHaveLength(50);
    // The next full socket is waited on afresh.
    const next = sse.data("more");
    expect(res.listenerCount("drain")).toBe(1);
    res.emit("close");
    await next;
  });
});
