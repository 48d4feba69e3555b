import { describe, expect, it } from "vitest";
import type { TokenUsage } from "@lantern/shared/contracts";
import { ApiError, ClientGoneError, invalidRequest, queueFull } from "../errors/api-error.js";
import { choiceRequestId, choiceSeed, followChoice, submitChoices, type ChoiceCalls, type ChoiceEvent, type ChoicesRequest } from "./choice-fan-out.js";
import type { GenerationEvent, InferenceCall, InferenceClient, SubmitRequest } from "./inference-client.js";

/** One choice's job as a worker would run it: the test accepts or refuses it and scripts its events. */
class ScriptedJob {
  request!: SubmitRequest;
  private settle!: { accept: (call: InferenceCall) => void; refuse: (err: unknown) => void };
  readonly accepted = new Promise<InferenceCall>((accept, refuse) => (this.settle = { accept, refuse }));
  private readonly pending: GenerationEvent[] = [];
  private wake: (() => void) | undefined;
  /** Replies read so far, the acceptance included (what `InferenceCall.position` counts). */
  private position = 1;

  get signal(): AbortSignal {
    return this.request.signal;
  }

  submitted(request: SubmitRequest): Promise<InferenceCall> {
    this.request = request;
    // A job still queued when its caller leaves is withdrawn.
    request.signal.addEventListener("abort", () => this.settle.refuse(new ClientGoneError()), { once: true });
    return this.accepted;
  }

  accept(workerId: string): void {
    const job = this;
    const call = {
      accepted: { v: 1, kind: "accepted", workerId, attempt: 1, promptTokens: 5 },
      get position() {
        return job.position;
      },
      events: () => job.replies(),
    };
    this.settle.accept(call as unknown as InferenceCall);
  }

  refuse(error: unknown): void {
    this.settle.refuse(error);
  }

  emit(event: GenerationEvent): void {
    this.pending.push(event);
    this.wake?.();
  }

  done(completionTokens: number, usage: Partial<TokenUsage> = {}): void {
    const timings = { queuedMs: 0, promptMs: 0, generateMs: 0 };
    this.emit({ kind: "done", done: { v: 1, kind: "done", finishReason: "stop", usage: { promptTokens: 5, completionTokens, ...usage }, timings } });
  }

  /** Like a real call: the replies until done or error; nothing more once the job is aborted. */
  private async *replies(): AsyncGenerator<GenerationEvent> {
    for (;;) {
      while (this.pending.length === 0) {
        if (this.signal.aborted) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      }
      const event = this.pending.shift()!;
      this.position++;
      yield event;
      if (event.kind === "done" || event.kind === "error") return;
    }
  }
}

function fleet(n: number, opts: { full?: boolean } = {}) {
  const jobs = Array.from({ length: n }, () => new ScriptedJob());
  const roomAsked: Array<[string, string, number]> = [];
  let submitted = 0;
  const inference = {
    ensureRoom(model: string, priority: string, count: number) {
      roomAsked.push([model, priority, count]);
      if (opts.full) throw queueFull(model, 10, 1);
    },
    submit: (request: SubmitRequest) => jobs[submitted++]!.submitted(request),
  } as unknown as InferenceClient;
  const client = new AbortController();
  const request: ChoicesRequest = {
    requestId: "req-1",
    model: "m",
    priority: "normal",
    n,
    promptParam: "messages",
    signal: client.signal,
    job: {
      input: { kind: "chat", messages: [{ role: "user", content: "hi" }] },
      sampling: { temperature: 1, topP: 1, seed: 42, presencePenalty: 0, frequencyPenalty: 0, stop: [] },
    },
  };
  return { jobs, inference, request, client, roomAsked, submit: () => submitChoices(inference, request) };
}

/** Lets every pending promise and relay run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

async function collect(calls: ChoiceCalls): Promise<ChoiceEvent[]> {
  const events: ChoiceEvent[] = [];
  for await (const event of calls.events()) events.push(event);
  return events;
}

describe("choice seeds and ids", () => {
  it("keeps the request's seed and id for choice 0 of one, and gives other choices their own", () => {
    expect(choiceSeed(42, 0)).toBe(42);
    expect(choiceSeed(0xffffffff, 0)).toBe(0xffffffff);
    const seeds = [1, 2, 3].map((i) => choiceSeed(42, i));
    expect(new Set([42, ...seeds]).size).toBe(4);
    for (const seed of seeds) expect(seed >>> 0).toBe(seed);
    expect(choiceRequestId("r", 0, 1)).toBe("r");
    expect(choiceRequestId("r", 2, 3)).toBe("r-c2");
  });
});

describe("submitChoices", () => {
  it("asks for room for all n jobs at once and queues none when they do not fit", async () => {
    const { submit, roomAsked, jobs } = fleet(3, { full: true });
    await expect(submit()).rejects.toMatchObject({ status: 503, code: "queue_full" });
    expect(roomAsked).toEqual([["m", "normal", 3]]);
    expect(jobs.every((job) => job.request === undefined)).toBe(true);
  });

  it("queues one job per choice, each with its own id and seed", async () => {
    const { submit, jobs } = fleet(3);
    const pending = submit();
    jobs[1]!.accept("w1");
    await pending;
    expect(jobs.map((job) => job.request.requestId)).toEqual(["req-1-c0", "req-1-c1", "req-1-c2"]);
    expect(jobs.map((job) => job.request.job.sampling.seed)).toEqual([0, 1, 2].map((i) => choiceSeed(42, i)));
  });

  it("interleaves the choices' output, each indexed with its reply's place, and sums the usage once per prompt", async () => {
    const { submit, jobs } = fleet(2);
    const pending = submit();
    jobs[0]!.accept("w0");
    jobs[1]!.accept("w1");
    const calls = await pending;
    const seen = collect(calls);
    const steps: Array<() => void> = [
      () => jobs[1]!.emit({ kind: "text", text: "B1" }),
      () => jobs[0]!.emit({ kind: "reasoning", text: "hmm" }),
      () => jobs[0]!.emit({ kind: "tool_call", index: 0, name: "f", arguments: "{}", first: true }),
      () => jobs[1]!.done(7, { cachedTokens: 3 }),
      () => jobs[0]!.done(4, { cachedTokens: 1 }),
    ];
    for (const step of steps) {
      step();
      await settled();
    }
    expect(await seen).toEqual([
      { kind: "text", index: 1, seq: 2, text: "B1" },
      { kind: "reasoning", index: 0, seq: 2, text: "hmm" },
      { kind: "tool_call", index: 0, seq: 3, call: { index: 0, name: "f", arguments: "{}", first: true } },
      { kind: "finish", index: 1, seq: 3, finishReason: "stop" },
      { kind: "finish", index: 0, seq: 4, finishReason: "stop" },
      { kind: "complete", seq: 4, usage: { promptTokens: 5, completionTokens: 11, cachedTokens: 1 } },
    ]);
    expect([...calls.workerIds].sort()).toEqual(["w0", "w1"]);
    // Every job is over: nothing left to cancel, but the request's own abort has fired.
    expect(jobs.every((job) => job.signal.aborted)).toBe(true);
  });

  it("ends the request at the first choice's error and cancels the other choices", async () => {
    const { submit, jobs } = fleet(3);
    const pending = submit();
    for (const [i, job] of jobs.entries()) job.accept(`w${i}`);
    const calls = await pending;
    const seen = collect(calls);
    jobs[0]!.emit({ kind: "text", text: "a" });
    await settled();
    expect(jobs[2]!.signal.aborted).toBe(false);
    const failure = new ApiError(500, "server_error", "worker lost");
    jobs[1]!.emit({ kind: "error", error: failure });
    const events = await seen;
    expect(events.map((e) => e.kind)).toEqual(["text", "error"]);
    expect(events[1]).toMatchObject({ kind: "error", index: 1, error: failure });
    expect(jobs[0]!.signal.aborted).toBe(true);
    expect(jobs[2]!.signal.aborted).toBe(true);
  });

  it("throws a refusal that comes before any acceptance, withdrawing the other choices", async () => {
    const { submit, jobs } = fleet(2);
    const pending = submit();
    const tooLong = invalidRequest("The prompt is too long.", "messages", "context_length_exceeded");
    jobs[0]!.refuse(tooLong);
    await expect(pending).rejects.toBe(tooLong);
    expect(jobs[1]!.signal.aborted).toBe(true);
  });

  it("turns a failure that is not an ApiError into a 500", async () => {
    const { submit, jobs } = fleet(1);
    const pending = submit();
    jobs[0]!.refuse(new Error("boom"));
    await expect(pending).rejects.toMatchObject({ status: 500, type: "server_error", code: "internal_error" });
  });

  it("reports a refusal of a later choice as that choice's error once another was accepted", async () => {
    const { submit, jobs } = fleet(2);
    const pending = submit();
    jobs[0]!.accept("w0");
    const calls = await pending;
    jobs[1]!.refuse(new ApiError(503, "service_unavailable_error", "no slot"));
    const events = await collect(calls);
    expect(events).toMatchObject([{ kind: "error", index: 1, seq: 0, error: { status: 503 } }]);
    expect(jobs[0]!.signal.aborted).toBe(true);
  });

  it("cancels every running choice when the caller leaves the loop early", async () => {
    const { submit, jobs } = fleet(2);
    const pending = submit();
    jobs[0]!.accept("w0");
    jobs[1]!.accept("w1");
    const calls = await pending;
    jobs[0]!.emit({ kind: "text", text: "a" });
    for await (const event of calls.events()) {
      expect(event.kind).toBe("text");
      break;
    }
    expect(jobs.map((job) => job.signal.aborted)).toEqual([true, true]);
  });

  it("throws ClientGoneError when the client leaves before any choice is accepted", async () => {
    const { submit, client } = fleet(2);
    const pending = submit();
    client.abort();
    await expect(pending).rejects.toBeInstanceOf(ClientGoneError);
  });

  it("ends the events with neither complete nor error when the client leaves mid-answer", async () => {
    const { submit, jobs, client } = fleet(2);
    const pending = submit();
    jobs[0]!.accept("w0");
    jobs[1]!.accept("w1");
    const calls = await pending;
    const seen = collect(calls);
    jobs[0]!.emit({ kind: "text", text: "a" });
    jobs[1]!.done(3);
    await settled();
    client.abort();
    expect((await seen).map((e) => e.kind)).toEqual(["text", "finish"]);
  });
});

describe("followChoice", () => {
  it("passes a running call's events on as choice 0 and turns a broken reply stream into a 500", async () => {
    const call = {
      accepted: { workerId: "w9" },
      position: 4,
      async *events() {
        yield { kind: "text", text: "resumed" } as GenerationEvent;
        throw new Error("reply stream broke");
      },
    } as unknown as InferenceCall;
    const abort = new AbortController();
    const calls = followChoice(call, abort);
    expect(await collect(calls)).toMatchObject([
      { kind: "text", index: 0, seq: 4, text: "resumed" },
      { kind: "error", index: 0, seq: 4, error: { status: 500, code: "internal_error" } },
    ]);
    expect([...calls.workerIds]).toEqual(["w9"]);
    expect(abort.signal.aborted).toBe(true);
  });
});
