import { describe, expect, it } from "vitest";
import type { InferReply } from "../contracts/index.js";
import { InferenceCall, type GenerationEvent, type InferenceErrors } from "./inference-call.js";
import { ReplyQueue } from "./reply-queue.js";

const accepted = (attempt: number): InferReply => ({ v: 1, kind: "accepted", workerId: `w${attempt}`, attempt, promptTokens: 3 });
const reasoning = (offset: number, text: string): InferReply => ({ v: 1, kind: "reasoning", offset, text });
const chunk = (offset: number, text: string): InferReply => ({ v: 1, kind: "chunk", offset, text });
const call = (index: number, offset: number, args: string): InferReply => ({ v: 1, kind: "tool_call", index, name: `f${index}`, offset, arguments: args });
const fail = (message: string) => new Error(message);
const errors: InferenceErrors<Error> = {
  fromWorker: (error) => fail(error.message),
  stalled: fail,
  noSlot: fail,
  queueUnavailable: fail,
  internal: fail,
  callerGone: () => fail("gone"),
};
const done: InferReply = {
  v: 1,
  kind: "done",
  finishReason: "tool_calls",
  usage: { promptTokens: 3, completionTokens: 9 },
  timings: { queuedMs: 0, promptMs: 0, generateMs: 0 },
};

async function eventsOf(replies: InferReply[]): Promise<GenerationEvent<Error>[]> {
  const queue = new ReplyQueue();
  const [first, ...rest] = replies;
  for (const reply of rest) queue.push(reply);
  const call = new InferenceCall(first as Extract<InferReply, { kind: "accepted" }>, queue, {
    stallTimeoutMs: 1_000,
    signal: new AbortController().signal,
    promptParam: "messages",
    errors,
    onFinish: () => {},
    cancel: () => {},
  });
  const events: GenerationEvent<Error>[] = [];
  for await (const event of call.events()) events.push(event);
  return events;
}

describe("InferenceCall after a redelivery", () => {
  it("passes on only what is new, on each channel by its own offsets", async () => {
    const events = await eventsOf([
      accepted(1),
      reasoning(0, "Let me "),
      chunk(0, "Sure"),
      call(0, 0, '{"a":'),
      // The worker died; the job starts again on another one and resends from offset 0 everywhere.
      accepted(2),
      reasoning(0, "Let me think."),
      chunk(0, "Sure."),
      call(0, 0, '{"a":1}'),
      call(1, 0, "{}"),
      done,
    ]);
    expect(events.slice(0, -1)).toEqual([
      { kind: "reasoning", text: "Let me " },
      { kind: "text", text: "Sure" },
      { kind: "tool_call", index: 0, name: "f0", arguments: '{"a":', first: true },
      { kind: "reasoning", text: "think." },
      { kind: "text", text: "." },
      { kind: "tool_call", index: 0, name: "f0", arguments: "1}", first: false },
      { kind: "tool_call", index: 1, name: "f1", arguments: "{}", first: true },
    ]);
    expect(events.at(-1)?.kind).toBe("done");
  });
});

describe("InferenceCall when its worker sends its replies again (its NATS link dropped)", () => {
  it("passes on the text that was lost and the end, nothing twice", async () => {
    const events = await eventsOf([
      accepted(1),
      chunk(0, "Once"),
      // " upon" and the end were written to the lost node; the worker sends everything again.
      accepted(1),
      chunk(0, "Once upon"),
      { ...done, finishReason: "length" },
      chunk(4, " upon"),
    ]);
    expect(events.map((e) => (e.kind === "text" ? e.text : e.kind))).toEqual(["Once", " upon", "done"]);
  });
});

describe("InferenceCall logprobs after a redelivery", () => {
  const entry = (token: string, logprob: number) => ({ token, logprob, top: [] });
  const scored = (offset: number, tokens: Array<[string, number]>): InferReply => ({
    v: 1,
    kind: "chunk",
    offset,
    text: tokens.map(([t]) => t).join(""),
    logprobs: tokens.map(([t, l]) => entry(t, l)),
  });

  it("skips the tokens of the text already passed on, whatever the reasoning channel did", async () => {
    const events = await eventsOf([
      accepted(1),
      reasoning(0, "Hm"),
      scored(0, [[" Once", -0.5]]),
      accepted(2),
      reasoning(0, "Hm."),
      // The new attempt coalesced differently: one chunk repeats " Once" and adds " upon".
      scored(0, [[" Once", -0.5], [" upon", -0.25]]),
      scored(10, [[" a", -0.125]]),
      { ...done, finishReason: "stop" },
    ]);
    expect(events.slice(0, -1)).toEqual([
      { kind: "reasoning", text: "Hm" },
      { kind: "text", text: " Once", logprobs: [entry(" Once", -0.5)] },
      { kind: "reasoning", text: "." },
      { kind: "text", text: " upon", logprobs: [entry(" upon", -0.25)] },
      { kind: "text", text: " a", logprobs: [entry(" a", -0.125)] },
    ]);
  });
});

describe("InferenceCall when replies were lost on the way", () => {
  it("ends with an error instead of passing on an answer with a hole in it", async () => {
    let cancelled = false;
    const queue = new ReplyQueue();
    for (const reply of [chunk(0, "Once"), chunk(9, " time"), done]) queue.push(reply);
    const lossy = new InferenceCall(accepted(1) as Extract<InferReply, { kind: "accepted" }>, queue, {
      stallTimeoutMs: 1_000,
      signal: new AbortController().signal,
      promptParam: "messages",
      errors,
      onFinish: () => {},
      cancel: () => (cancelled = true),
    });
    const events: GenerationEvent<Error>[] = [];
    for await (const event of lossy.events()) events.push(event);
    expect(events[0]).toEqual({ kind: "text", text: "Once" });
    expect(events).toHaveLength(2);
    expect(events[1]?.kind).toBe("error");
    expect(String((events[1] as { error: Error }).error.message)).toMatch(/lost/);
    expect(cancelled).toBe(true);
  });
});
