import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CachedAnswer, TokenUsage } from "@lantern/shared/contracts";
import type { AnswerBody } from "../cache/response-cache.js";
import type { ServedBy } from "../context/request-ledger.js";
import { UntrackedLedger } from "../edge/untracked-ledger.js";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import { followChoice } from "../jobs/choice-fan-out.js";
import type { GenerationEvent, InferenceCall } from "../jobs/inference-client.js";
import type { UpstreamResponse } from "../providers/upstream-client.js";
import type { Delivery } from "../serving/generation.js";
import type { ChatFrame } from "./ws-chat-output.js";
import { WsChatRenderer } from "./ws-chat-renderer.js";

class RecordingLedger extends UntrackedLedger {
  readonly served: ServedBy[] = [];
  outputs = 0;
  override servedBy(info: ServedBy): void {
    this.served.push(info);
  }
  override firstOutput(): void {
    this.outputs++;
  }
}

function chat() {
  const frames: ChatFrame[] = [];
  const ledger = new RecordingLedger();
  const stop = new AbortController();
  const renderer = new WsChatRenderer({ requestId: "req-7", ledger, signal: stop.signal, path: "/v1/chat/ws", send: (frame) => frames.push(frame) });
  const kept: Array<{ answer: AnswerBody; usage: TokenUsage }> = [];
  const delivery: Delivery = { provider: "local", model: "m", routed: false, keep: (answer, usage) => kept.push({ answer, usage }) };
  return { frames, ledger, stop, renderer, kept, delivery };
}

/** A worker's call that replies with `events`, one reply each after its acceptance. */
function callOf(events: GenerationEvent[]): InferenceCall {
  let position = 1;
  return {
    accepted: { workerId: "w1" },
    get position() {
      return position;
    },
    async *events() {
      for (const event of events) {
        position++;
        yield event;
      }
    },
  } as unknown as InferenceCall;
}

const done = (finishReason: "stop" | "length" | "cancelled", usage: TokenUsage = { promptTokens: 4, completionTokens: 3 }): GenerationEvent => ({
  kind: "done",
  done: { v: 1, kind: "done", finishReason, usage, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 } },
});

const fleetOf = (events: GenerationEvent[]) => followChoice(callOf(events), new AbortController());
const bodyOf = (kept: { answer: AnswerBody }) => JSON.parse(kept.answer.body) as { object: string; model: string; choices: Array<{ message: Record<string, unknown>; finish_reason: string }> };

describe("WsChatRenderer over the fleet", () => {
  it("sends thoughts and text as delta frames with their place when kept, and keeps the whole answer", async () => {
    const { frames, renderer, kept, delivery, ledger } = chat();
    expect(renderer.started).toBe(false);
    const turn = await renderer.fleet(fleetOf([{ kind: "reasoning", text: "think" }, { kind: "text", text: "Hel" }, { kind: "text", text: "lo" }, done("length")]), delivery, true);

    expect(frames).toEqual([
      { type: "delta", reasoning: "think", request_id: "req-7", seq: 2 },
      { type: "delta", content: "Hel", request_id: "req-7", seq: 3 },
      { type: "delta", content: "lo", request_id: "req-7", seq: 4 },
    ]);
    expect(renderer.started).toBe(true);
    expect(ledger.outputs).toBeGreaterThan(0);
    const usage = { promptTokens: 4, completionTokens: 3, cachedTokens: 0 };
    // The worker that generated it, for the done frame.
    expect(turn).toEqual({ usage, finishReason: "length", workerIds: ["w1"] });
    expect(kept).toHaveLength(1);
    expect(kept[0]!.usage).toEqual(usage);
    const body = bodyOf(kept[0]!);
    expect(body).toMatchObject({ object: "chat.completion", model: "m" });
    expect(body.choices[0]).toMatchObject({ message: { role: "assistant", content: "Hello", reasoning_content: "think" }, finish_reason: "length" });
  });

  it("leaves out request_id and seq when the chat is not kept for resuming", async () => {
    const { frames, renderer, delivery } = chat();
    await renderer.fleet(fleetOf([{ kind: "text", text: "hi" }, done("stop")]), delivery, false);
    expect(frames).toEqual([{ type: "delta", content: "hi" }]);
  });

  it("has not started while no frame went out, so a route may still try its next step", async () => {
    const { frames, renderer, delivery } = chat();
    const turn = await renderer.fleet(fleetOf([{ kind: "text", text: "" }, done("stop")]), delivery, false);
    expect(frames).toEqual([]);
    expect(renderer.started).toBe(false);
    expect(turn.finishReason).toBe("stop");
  });

  it("throws a choice's error and keeps nothing", async () => {
    const { renderer, kept, delivery } = chat();
    const failure = new ApiError(500, "server_error", "worker lost");
    await expect(renderer.fleet(fleetOf([{ kind: "text", text: "par" }, { kind: "error", error: failure }]), delivery, false)).rejects.toBe(failure);
    expect(renderer.started).toBe(true);
    expect(kept).toEqual([]);
  });

  it("does not keep an answer that was cancelled", async () => {
    const { renderer, kept, delivery } = chat();
    const turn = await renderer.fleet(fleetOf([{ kind: "text", text: "half" }, done("cancelled")]), delivery, false);
    expect(turn.finishReason).toBe("cancelled");
    expect(kept).toEqual([]);
  });

  it("throws ClientGoneError when the events end without an answer (the chat was stopped)", async () => {
    const { renderer, delivery } = chat();
    await expect(renderer.fleet(fleetOf([{ kind: "text", text: "a" }]), delivery, false)).rejects.toBeInstanceOf(ClientGoneError);
  });
});

describe("WsChatRenderer from the cache", () => {
  it("replays the kept thoughts and text as frames and accounts a cache hit", () => {
    const { frames, renderer, ledger } = chat();
    const body = { object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "kept text", reasoning_content: "kept thought" }, finish_reason: "length" }] };
    const hit: CachedAnswer = { v: 1, object: "chat.completion", body: JSON.stringify(body), usage: { promptTokens: 2, completionTokens: 5 }, provider: "up", storedAt: 0, expiresAt: 1 };
    expect(renderer.cached(hit)).toEqual({ usage: { promptTokens: 2, completionTokens: 5 }, finishReason: "length" });
    expect(frames).toEqual([
      { type: "delta", reasoning: "kept thought" },
      { type: "delta", content: "kept text" },
    ]);
    expect(ledger.served).toEqual([{ provider: "up", cacheHit: true }]);
    expect(renderer.started).toBe(true);
  });
});

describe("WsChatRenderer from an upstream", () => {
  const delivery = (keep: Delivery["keep"]): Delivery => ({ provider: "up", model: "remote", routed: true, keep });

  it("sends a whole answer as frames, with its usage, and keeps it", async () => {
    const { frames, renderer, ledger, kept, delivery: local } = chat();
    const body = { object: "chat.completion", choices: [{ index: 0, message: { content: "whole" }, finish_reason: "stop" }], usage: { prompt_tokens: 6, completion_tokens: 1 } };
    const turn = await renderer.upstream({ kind: "answer", provider: "up", status: 200, contentType: "application/json", body: Buffer.from(JSON.stringify(body)) }, delivery(local.keep));
    expect(turn).toEqual({ usage: { promptTokens: 6, completionTokens: 1 }, finishReason: "stop" });
    expect(frames).toEqual([{ type: "delta", content: "whole" }]);
    expect(ledger.served).toEqual([{ provider: "up" }]);
    expect(kept.map(bodyOf)).toMatchObject([{ choices: [{ message: { content: "whole" } }] }]);
  });

  it("relays a stream's events as frames, a character split across chunks read whole, and keeps the rebuilt answer", async () => {
    const { frames, renderer, kept, delivery: local } = chat();
    const chunk = (delta: object, finish: string | null = null, usage?: object) =>
      `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
    const sse = Buffer.from(chunk({ reasoning_content: "hm" }) + chunk({ content: "caf\u00e9" }) + chunk({}, "length", { prompt_tokens: 2, completion_tokens: 9 }) + "data: [DONE]\n\n");
    const split = sse.indexOf(Buffer.from("\u00e9")) + 1;
    const response = { body: Readable.from([sse.subarray(0, split), sse.subarray(split)]) } as unknown as UpstreamResponse;
    const turn = await renderer.upstream({ kind: "stream", provider: "up", status: 200, response, timeoutMs: 1_000, maxEventBytes: 1 << 16 }, delivery(local.keep));
    expect(frames).toEqual([
      { type: "delta", reasoning: "hm" },
      { type: "delta", content: "caf\u00e9" },
    ]);
    expect(turn).toEqual({ usage: { promptTokens: 2, completionTokens: 9 }, finishReason: "length" });
    expect(kept.map(bodyOf)).toMatchObject([{ choices: [{ message: { content: "caf\u00e9", reasoning_content: "hm" }, finish_reason: "length" }] }]);
  });

  it("throws an upstream's refusal as an ApiError with its status and message", () => {
    const { renderer } = chat();
    const refusal = (status: number, body: string) => ({ kind: "refusal" as const, provider: "up", status, body: Buffer.from(body), retryAfter: undefined });
    const openAiShaped = JSON.stringify({ error: { message: "slow down", type: "requests", code: "rate_limit_exceeded", param: null } });
    expect(() => renderer.refusal(refusal(429, openAiShaped))).toThrow(expect.objectContaining({ status: 429, type: "requests", message: "slow down", code: "rate_limit_exceeded" }));
    expect(() => renderer.refusal(refusal(502, "Bad Gateway"))).toThrow(
      expect.objectContaining({ status: 502, type: "server_error", code: "upstream_error", message: "The upstream provider answered 502: Bad Gateway" }),
    );
    expect(renderer.started).toBe(false);
  });
});
