import { expect, it } from "vitest";
import { SseEventCutter, SseEventTooLargeError } from "./sse-events.js";

/** Feeds `bytes` to a cutter in pieces ending at `cuts`, collecting what it gives back. */
function cutAt(cutter: SseEventCutter, bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const events = cutter.push(bytes.subarray(from, to));
    if (events) out.push(Buffer.from(events));
    from = to;
  }
  return out;
}

it("gives back whole events only, however the bytes were cut, boundaries and characters included", () => {
  const stream = Buffer.from('data: {"t":"héllo 🎉"}\n\ndata: {"t":"日本"}\r\n\r\ndata: [DONE]\n\n');
  // Every single cut point, one at a time, then every byte on its own.
  for (let at = 1; at < stream.length; at++) {
    const out = cutAt(new SseEventCutter(1024), stream, [at]);
    expect(Buffer.concat(out).toString("utf8")).toBe(stream.toString("utf8"));
    for (const events of out) expect(events.toString("utf8")).toMatch(/(\n\n|\r\n\r\n)$/);
  }
  const bytewise = cutAt(new SseEventCutter(1024), stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1));
  expect(bytewise.map((b) => b.toString("utf8"))).toEqual(['data: {"t":"héllo 🎉"}\n\n', 'data: {"t":"日本"}\r\n\r\n', "data: [DONE]\n\n"]);
});

it("holds an event that lacks its closing blank line until the end, then gives it as the rest", () => {
  const cutter = new SseEventCutter(1024);
  expect(cutter.push(Buffer.from("data: one\n\ndata: tw"))!.toString()).toBe("data: one\n\n");
  expect(cutter.push(Buffer.from("o"))).toBeUndefined();
  expect(cutter.rest()!.toString()).toBe("data: two");
  expect(cutter.rest()).toBeUndefined();
});

it("refuses one event larger than its limit, however it arrives, while any number of small ones pass", () => {
  const small = new SseEventCutter(64);
  for (let i = 0; i < 10_000; i++) expect(small.push(Buffer.from(`data: ${i}\n\n`))).toBeDefined();

  const whole = new SseEventCutter(64);
  expect(() => whole.push(Buffer.from(`data: ${"x".repeat(100)}`))).toThrow(SseEventTooLargeError);

  const piecewise = new SseEventCutter(64);
  expect(() => {
    for (let i = 0; i < 100; i++) piecewise.push(Buffer.from("xx"));
  }).toThrow(SseEventTooLargeError);
});
