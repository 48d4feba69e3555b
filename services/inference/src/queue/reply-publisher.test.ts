import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, InferReply } from "@lantern/shared/contracts";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { FlushClock } from "./flush-clock.js";
import { ReplyPublisher } from "./reply-publisher.js";

let nats: TestNats;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await useTestNats();
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

it("sends text, thoughts and each call's arguments in generated order, each channel with its own offsets", async () => {
  const subject = `${nats.namespace}.reply`;
  const sub = nc.subscribe(subject);
  const publisher = new ReplyPublisher(nc, subject, new FlushClock(1_000));
  publisher.reasoning("Hm");
  // Within one tick: pieces of one channel in a row travel together.
  publisher.reasoning("m, ");
  publisher.reasoning("yes.");
  publisher.chunk("Sure");
  publisher.chunk(".");
  publisher.toolCall(0, "f", '{"a"');
  publisher.toolCall(0, "f", ":1}");
  publisher.toolCall(1, "g", "{}");
  publisher.chunk(" Done");
  publisher.done({ finishReason: "tool_calls", usage: { promptTokens: 1, completionTokens: 9 }, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 } });

  const got: InferReply[] = [];
  for await (const msg of sub) {
    const reply = decodeMessage(InferReply, msg.data);
    got.push(reply);
    if (reply.kind === "done") break;
  }
  expect(got.map(({ v: _v, ...reply }) => reply)).toEqual([
    // The first piece leaves at once, the rest on the tick.
    { kind: "reasoning", offset: 0, text: "Hm" },
    { kind: "reasoning", offset: 2, text: "m, yes." },
    { kind: "chunk", offset: 0, text: "Sure." },
    { kind: "tool_call", index: 0, name: "f", offset: 0, arguments: '{"a":1}' },
    { kind: "tool_call", index: 1, name: "g", offset: 0, arguments: "{}" },
    { kind: "chunk", offset: 5, text: " Done" },
    // The end says how much of each channel was sent: a reader that lost the last pieces knows.
    expect.objectContaining({ kind: "done", finishReason: "tool_calls", sent: { reasoning: 9, content: 10, "tool_call:0": 7, "tool_call:1": 2 } }),
  ]);
});

it("coalesces text with its tokens' logprobs, so each chunk's entries join to its text", async () => {
  const subject = `${nats.namespace}.reply-logprobs`;
  const sub = nc.subscribe(subject);
  const publisher = new ReplyPublisher(nc, subject, new FlushClock(1_000));
  const entry = (token: string) => ({ token, logprob: -1, top: [] });
  publisher.chunk(" Once", [entry(" Once")]);
  publisher.chunk(" upon", [entry(" upon")]);
  publisher.chunk(" a", [entry(" a")]);
  publisher.done({ finishReason: "length", usage: { promptTokens: 1, completionTokens: 3 }, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 } });

  const got: InferReply[] = [];
  for await (const msg of sub) {
    const reply = decodeMessage(InferReply, msg.data);
    got.push(reply);
    if (reply.kind === "done") break;
  }
  expect(got.map(({ v: _v, ...reply }) => reply)).toEqual([
    { kind: "chunk", offset: 0, text: " Once", logprobs: [entry(" Once")] },
    { kind: "chunk", offset: 5, text: " upon a", logprobs: [entry(" upon"), entry(" a")] },
    expect.objectContaining({ kind: "done" }),
  ]);
});

it("sends everything again from the first when asked (after its link to NATS dropped): each channel whole, then the end", async () => {
  const subject = `${nats.namespace}.reply-again`;
  const sub = nc.subscribe(subject);
  const publisher = new ReplyPublisher(nc, subject);
  const entry = (token: string) => ({ token, logprob: -1, top: [] });
  publisher.accepted({ workerId: "w1", attempt: 1, promptTokens: 3 });
  publisher.reasoning("Hm.");
  publisher.chunk("Once", [entry("Once")]);
  publisher.chunk(" upon", [entry(" upon")]);
  publisher.toolCall(0, "f", "{}");
  publisher.resend();
  publisher.done({ finishReason: "length", usage: { promptTokens: 3, completionTokens: 3 }, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 } });
  publisher.resend();

  const got: InferReply[] = [];
  for await (const msg of sub) {
    got.push(decodeMessage(InferReply, msg.data));
    if (got.filter((r) => r.kind === "done").length === 2) break;
  }
  const again = [
    { kind: "accepted", workerId: "w1", attempt: 1, promptTokens: 3 },
    { kind: "reasoning", offset: 0, text: "Hm." },
    { kind: "chunk", offset: 0, text: "Once upon", logprobs: [entry("Once"), entry(" upon")] },
    { kind: "tool_call", index: 0, name: "f", offset: 0, arguments: "{}" },
  ];
  expect(got.map(({ v: _v, ...reply }) => reply)).toEqual([
    { kind: "accepted", workerId: "w1", attempt: 1, promptTokens: 3 },
    { kind: "reasoning", offset: 0, text: "Hm." },
    { kind: "chunk", offset: 0, text: "Once", logprobs: [entry("Once")] },
    { kind: "chunk", offset: 4, text: " upon", logprobs: [entry(" upon")] },
    { kind: "tool_call", index: 0, name: "f", offset: 0, arguments: "{}" },
    ...again,
    expect.objectContaining({ kind: "done" }),
    ...again,
    expect.objectContaining({ kind: "done" }),
  ]);
});
