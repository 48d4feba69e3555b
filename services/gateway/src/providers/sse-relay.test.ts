import { PassThrough } from "node:stream";
import type { ServerResponse } from "node:http";
import { expect, it } from "vitest";
import { SseRelay } from "./sse-relay.js";

/** A stream standing in for the client's socket: what the relay wrote, as text. */
function client() {
  const out = new PassThrough();
  let written = "";
  out.on("data", (chunk: Buffer) => (written += chunk.toString("utf8")));
  return { out: out as unknown as ServerResponse, written: () => written };
}

const event = (data: object | string) => `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
const role = { choices: [{ index: 0, delta: { role: "assistant", content: "" } }], usage: null };
const text = (t: string) => ({ choices: [{ index: 0, delta: { content: t } }], usage: null });
const usage = { choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };

it("relays whole events only, however the upstream's bytes were cut", async () => {
  const { out, written } = client();
  let firsts = 0;
  const relay = new SseRelay(out, { maxEventBytes: 1 << 20, keepUsage: true, onFirstOutput: () => firsts++ });
  const all = event(role) + event(text("Hel")) + event(text("lo")) + event("[DONE]");
  const cuts = [5, 17, 40, 41, 90, all.length];
  let from = 0;
  for (const to of cuts) {
    relay.push(Buffer.from(all.slice(from, to)));
    from = to;
    // Whatever went out so far ends at an event boundary.
    await new Promise((r) => setImmediate(r));
    expect(written().endsWith("\n\n") || written() === "").toBe(true);
  }
  relay.finish();
  await new Promise((r) => setImmediate(r));
  expect(written()).toBe(all);
  expect(firsts).toBe(1);
});

it("reads the usage chunk and cuts it when the client did not ask for it", async () => {
  const { out, written } = client();
  const relay = new SseRelay(out, { maxEventBytes: 1 << 20, keepUsage: false, onFirstOutput: () => {} });
  relay.push(Buffer.from(event(role) + event(text("Hi")) + event(usage) + event("[DONE]")));
  relay.finish();
  await new Promise((r) => setImmediate(r));
  expect(relay.usage).toEqual({ promptTokens: 3, completionTokens: 2 });
  expect(written()).toBe(event(role) + event(text("Hi")) + event("[DONE]"));
});

it("keeps the choices of a last chunk that also carries usage, and handles CRLF framing", async () => {
  const { out, written } = client();
  const relay = new SseRelay(out, { maxEventBytes: 1 << 20, keepUsage: false, onFirstOutput: () => {} });
  const last = { choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1 } };
  relay.push(Buffer.from(`data: ${JSON.stringify(text("A"))}\r\n\r\ndata: ${JSON.stringify(last)}\r\n\r\n`));
  relay.finish();
  await new Promise((r) => setImmediate(r));
  expect(relay.usage).toEqual({ promptTokens: 1, completionTokens: 1 });
  expect(written()).toContain('"content":"A"');
  expect(written()).toContain('"finish_reason":"stop"');
  expect(written()).not.toContain('"usage":{');
});
