import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpHeader, type CachedAnswer, type TokenUsage } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import type { AnswerBody } from "../cache/response-cache.js";
import { CancelSignal } from "../context/cancel-signal.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import type { ServedBy } from "../context/request-ledger.js";
import { responseHeaderMiddleware } from "../context/response-headers.js";
import { UntrackedLedger } from "../edge/untracked-ledger.js";
import { renderAnthropicError } from "../errors/anthropic-error.js";
import { ApiError } from "../errors/api-error.js";
import { toApiError } from "../errors/render-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { submitChoices, type ChoiceCalls } from "../jobs/choice-fan-out.js";
import type { GenerationEvent, InferenceCall, InferenceClient } from "../jobs/inference-client.js";
import type { Delivery, UpstreamAnswer } from "../serving/generation.js";
import { AnthropicRenderer } from "./anthropic-renderer.js";

class RecordingLedger extends UntrackedLedger {
  readonly served: ServedBy[] = [];
  readonly usages: TokenUsage[] = [];
  failures: ApiError[] = [];
  override servedBy(info: ServedBy): void {
    this.served.push(info);
  }
  override usage(tokens: TokenUsage): void {
    this.usages.push(tokens);
  }
  override failed(error: ApiError): void {
    this.failures.push(error);
  }
}

const deps = {
  config: { GATEWAY_STREAM_BUFFER_BYTES: 1 << 20, GATEWAY_STREAM_STALL_MS: 10_000, GATEWAY_SSE_PING_MS: 1_000 },
  logger: createLogger({ service: "test", level: "silent" }),
} as unknown as GatewayDeps;

const done = (finishReason: "stop" | "length" | "tool_calls", stopSequence?: string): GenerationEvent => ({
  kind: "done",
  done: { v: 1, kind: "done", finishReason, ...(stopSequence ? { stopSequence } : {}), usage: { promptTokens: 9, completionTokens: 3, cachedTokens: 2 }, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 } },
});

/** The fleet's one choice, accepted at once, replying with its scripted events. */
function fleetAnswering(events: GenerationEvent[]): Promise<ChoiceCalls> {
  const inference = {
    ensureRoom() {},
    async submit() {
      return {
        accepted: { workerId: "w0", promptTokens: 9 },
        position: 1,
        async *events() {
          yield* events;
        },
      } as unknown as InferenceCall;
    },
  } as unknown as InferenceClient;
  const job = { input: { kind: "chat" as const, messages: [{ role: "user" as const, content: "hi" }] }, sampling: { temperature: 0, topP: 1, seed: 1, presencePenalty: 0, frequencyPenalty: 0, stop: [] } };
  return submitChoices(inference, { requestId: "req-1", model: "m", priority: "normal", n: 1, promptParam: "messages", signal: new AbortController().signal, job });
}

let base: string;
let server: ReturnType<typeof serve>;
let ledger: RecordingLedger;
let stream = false;
let respond: (renderer: AnthropicRenderer, c: Context<GatewayEnv>) => Response | Promise<Response>;

beforeAll(async () => {
  const app = new Hono<GatewayEnv>();
  app.use(responseHeaderMiddleware());
  app.use(async (c, next) => {
    c.set("ledger", ledger);
    c.set("requestId", "req-1");
    await next();
  });
  app.post("/v1/messages", (c) => respond(new AnthropicRenderer(c, deps, { id: "msg_req-1", model: "m", stream, omitThinking: false }, new CancelSignal()), c));
  app.onError((err, c) => renderAnthropicError(toApiError(err), c));
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function serveOnce(asStream: boolean, answer: typeof respond) {
  ledger = new RecordingLedger();
  stream = asStream;
  respond = answer;
  const res = await fetch(`${base}/v1/messages`, { method: "POST" });
  return { res, text: await res.text() };
}

/** A stream's events: each one's name and parsed data. */
const eventsOf = (text: string) =>
  text
    .split("\n\n")
    .filter((chunk) => chunk.startsWith("event: "))
    .map((chunk) => {
      const [eventLine, dataLine] = chunk.split("\n");
      return { event: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) as Record<string, any> };
    });

const kept: Array<{ answer: AnswerBody; usage: TokenUsage }> = [];
const delivery = (routed = false): Delivery => ({ provider: "local", model: "m", routed, keep: (answer, usage) => kept.push({ answer, usage }) });

describe("AnthropicRenderer, the fleet's answer", () => {
  it("a whole message, its usage counted, kept in the cache as an OpenAI chat body with its stop string", async () => {
    kept.length = 0;
    const calls = await fleetAnswering([{ kind: "text", text: "Once " }, { kind: "text", text: "upon" }, done("stop", " a")]);
    const { res, text } = await serveOnce(false, (r) => r.fleet(calls, delivery()));
    expect(res.status).toBe(200);
    expect(res.headers.get(HttpHeader.worker)).toBe("w0");
    expect(JSON.parse(text)).toEqual({
      id: "msg_req-1",
      type: "message",
      role: "assistant",
      model: "m",
      content: [{ type: "text", text: "Once upon" }],
      stop_reason: "stop_sequence",
      stop_sequence: " a",
      usage: { input_tokens: 7, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 2 },
    });
    expect(ledger.usages).toEqual([{ promptTokens: 9, completionTokens: 3, cachedTokens: 2 }]);
    expect(kept).toHaveLength(1);
    expect(JSON.parse(kept[0]!.answer.body)).toMatchObject({ object: "chat.completion", choices: [{ message: { content: "Once upon" }, finish_reason: "stop", stop_sequence: " a" }] });
  });

  it("a stream of named events in Anthropic's order, a call's input as JSON pieces", async () => {
    const calls = await fleetAnswering([
      { kind: "tool_call", index: 0, name: "look", arguments: "", first: true },
      { kind: "tool_call", index: 0, name: "look", arguments: '{"at":"sky"}', first: false },
      done("tool_calls"),
    ]);
    const { res, text } = await serveOnce(true, (r) => r.fleet(calls, delivery()));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = eventsOf(text);
    expect(events.map((e) => e.event)).toEqual(["message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    expect(events[0]!.data.message).toMatchObject({ id: "msg_req-1", content: [], stop_reason: null, usage: { input_tokens: 9 } });
    expect(events[2]!.data.content_block).toMatchObject({ type: "tool_use", name: "look", input: {} });
    expect(events[3]!.data.delta).toEqual({ type: "input_json_delta", partial_json: '{"at":"sky"}' });
    expect(events[5]!.data).toMatchObject({ delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 3 } });
  });

  it("a failure after the 200 is an error event in Anthropic's shape; before it, the error response itself (529 when overloaded)", async () => {
    const overloaded = new ApiError(503, "service_unavailable_error", "worker lost", { code: "no_capacity" });
    const streamed = await serveOnce(true, async (r) => r.fleet(await fleetAnswering([{ kind: "text", text: "par" }, { kind: "error", error: overloaded }]), delivery()));
    const events = eventsOf(streamed.text);
    expect(events.at(-1)).toEqual({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "worker lost" }, request_id: "req-1" } });
    expect(ledger.failures).toEqual([overloaded]);

    const whole = await serveOnce(false, async (r) => r.fleet(await fleetAnswering([{ kind: "error", error: overloaded }]), delivery(true)));
    expect(whole.res.status).toBe(529);
    expect(JSON.parse(whole.text)).toEqual({ type: "error", error: { type: "overloaded_error", message: "worker lost" }, request_id: "req-1" });
    expect(whole.res.headers.get(HttpHeader.provider)).toBeNull();
  });
});

const chatBody = {
  id: "chatcmpl-x",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "Kept.", reasoning_content: "Hm." }, finish_reason: "length" }],
  usage: { prompt_tokens: 5, completion_tokens: 2 },
};

describe("AnthropicRenderer, answers in OpenAI's chat shape", () => {
  it("replays a cached chat body as a message, and as a stream, accounted a cache hit", async () => {
    const hit: CachedAnswer = { v: 1, object: "chat.completion", body: JSON.stringify(chatBody), usage: { promptTokens: 5, completionTokens: 2 }, provider: "up", storedAt: 0, expiresAt: 1 };
    const whole = await serveOnce(false, (r) => r.cached(hit));
    expect(whole.res.headers.get(HttpHeader.cache)).toBe("hit");
    expect(JSON.parse(whole.text)).toMatchObject({ content: [{ type: "thinking", thinking: "Hm." }, { type: "text", text: "Kept." }], stop_reason: "max_tokens" });
    expect(ledger.served).toEqual([{ provider: "up", cacheHit: true }]);
    expect(ledger.usages).toEqual([{ promptTokens: 5, completionTokens: 2 }]);
    const streamed = eventsOf((await serveOnce(true, (r) => r.cached(hit))).text);
    expect(streamed.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta)).toEqual([
      { type: "thinking_delta", thinking: "Hm." },
      { type: "text_delta", text: "Kept." },
    ]);
    expect(streamed.at(-1)!.event).toBe("message_stop");
  });

  it("translates an upstream's whole body and its stream of chunks", async () => {
    const answer: UpstreamAnswer = { kind: "answer", provider: "up", status: 200, contentType: "application/json", body: Buffer.from(JSON.stringify(chatBody)) };
    const whole = await serveOnce(false, (r) => r.upstream(answer, delivery(true)));
    expect(whole.res.headers.get(HttpHeader.provider)).toBe("up");
    expect(JSON.parse(whole.text)).toMatchObject({ content: [{ type: "thinking" }, { type: "text", text: "Kept." }], usage: { input_tokens: 5, output_tokens: 2 } });

    const chunks = [
      { choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: "Up" }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: "stream" }, finish_reason: null }] },
      { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      { choices: [], usage: { prompt_tokens: 4, completion_tokens: 2 } },
    ];
    const sse = Buffer.from(`${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("")}data: [DONE]\n\n`);
    const attempt = { kind: "stream", provider: "up", status: 200, response: { body: Readable.from([sse.subarray(0, 40), sse.subarray(40)]) }, timeoutMs: 1000, maxEventBytes: 1 << 16 } as unknown as UpstreamAnswer;
    const events = eventsOf((await serveOnce(true, (r) => r.upstream(attempt, delivery(true)))).text);
    expect(events.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta.text)).toEqual(["Up", "stream"]);
    expect(events.find((e) => e.event === "message_delta")!.data).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { input_tokens: 4, output_tokens: 2 } });
    expect(ledger.usages).toEqual([{ promptTokens: 4, completionTokens: 2 }]);
  });

  it("passes an upstream's refusal on in Anthropic's shape, with its status and Retry-After", async () => {
    const refusal = { kind: "refusal" as const, provider: "up", status: 429, body: Buffer.from("slow down"), retryAfter: "7" };
    const { res, text } = await serveOnce(false, (r) => r.refusal(refusal));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(JSON.parse(text)).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: expect.stringContaining("slow down") } });
  });
});
