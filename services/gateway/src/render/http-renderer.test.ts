import { Hono, type Context } from "hono";
import { describe, expect, it } from "vitest";
import { HttpHeader, type CachedAnswer, type TokenUsage } from "@lantern/shared/contracts";
import type { AnswerBody } from "../cache/response-cache.js";
import { CancelSignal } from "../context/cancel-signal.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { responseHeaderMiddleware } from "../context/response-headers.js";
import type { ServedBy } from "../context/request-ledger.js";
import { UntrackedLedger } from "../edge/untracked-ledger.js";
import { ApiError } from "../errors/api-error.js";
import { renderError } from "../errors/render-error.js";
import { submitChoices, type ChoiceCalls } from "../jobs/choice-fan-out.js";
import type { GenerationEvent, InferenceCall, InferenceClient, SubmitRequest } from "../jobs/inference-client.js";
import { chatCompletionShape } from "../openai/response-shapes.js";
import type { Delivery } from "../serving/generation.js";
import { HttpRenderer, type HttpRendering } from "./http-renderer.js";

class RecordingLedger extends UntrackedLedger {
  readonly served: ServedBy[] = [];
  readonly usages: TokenUsage[] = [];
  outputs = 0;
  override servedBy(info: ServedBy): void {
    this.served.push(info);
  }
  override usage(tokens: TokenUsage): void {
    this.usages.push(tokens);
  }
  override firstOutput(): void {
    this.outputs++;
  }
}

const done = (completionTokens: number): GenerationEvent => ({
  kind: "done",
  done: { v: 1, kind: "done", finishReason: "stop", usage: { promptTokens: 8, completionTokens }, timings: { queuedMs: 0, promptMs: 0, generateMs: 0 } },
});

/** The fleet's choices, each accepted at once by its own worker and replying with its scripted events. */
function fleetAnswering(choices: GenerationEvent[][]): Promise<ChoiceCalls> {
  let submitted = 0;
  const inference = {
    ensureRoom() {},
    async submit(_request: SubmitRequest) {
      const index = submitted++;
      const events = choices[index]!;
      return {
        accepted: { workerId: `w${index}` },
        position: 1,
        async *events() {
          yield* events;
        },
      } as unknown as InferenceCall;
    },
  } as unknown as InferenceClient;
  const job = { input: { kind: "chat" as const, messages: [{ role: "user" as const, content: "hi" }] }, sampling: { temperature: 0, topP: 1, seed: 1, presencePenalty: 0, frequencyPenalty: 0, stop: [] } };
  return submitChoices(inference, { requestId: "req-1", model: "m", priority: "normal", n: choices.length, promptParam: "messages", signal: new AbortController().signal, job });
}

function rendering(n = 1, over: Partial<HttpRendering> = {}): HttpRendering {
  return { shape: chatCompletionShape({ id: "chatcmpl-req-1", model: "m", created: 1, includeUsage: false }), stream: false, includeUsage: false, logprobs: false, n, promptParam: "messages", ...over };
}

/** Serves one request through a renderer the way the gateway's app does: recorded headers applied, errors in OpenAI's shape. */
async function serve(draw: HttpRendering, respond: (renderer: HttpRenderer, c: Context<GatewayEnv>) => Response | Promise<Response>) {
  const ledger = new RecordingLedger();
  let renderer: HttpRenderer | undefined;
  const app = new Hono<GatewayEnv>();
  app.use(responseHeaderMiddleware());
  app.use(async (c, next) => {
    c.set("ledger", ledger);
    c.set("requestId", "req-1");
    await next();
  });
  app.post("/v1/chat/completions", (c) => respond((renderer = new HttpRenderer(c, {} as GatewayDeps, draw, new CancelSignal())), c));
  app.onError((err, c) => renderError(err, c));
  const served = await app.request("/v1/chat/completions", { method: "POST" });
  // Headers first: once a server has replaced the global Response (@hono/node-server does, in any
  // test file that ran before in this process), reading the body rebuilds the response from its
  // initial headers, without those the middleware added.
  const headers = new Headers(served.headers);
  const res = new globalThis.Response(await served.arrayBuffer(), { status: served.status, headers });
  return { res, ledger, renderer: renderer! };
}

function delivery(routed: boolean, kept: Array<{ answer: AnswerBody; usage: TokenUsage }> = []): Delivery {
  return { provider: "local", model: "m", routed, keep: (answer, usage) => kept.push({ answer, usage }) };
}

describe("HttpRenderer, whole bodies", () => {
  it("answers the fleet's choices as one chat.completion body, names the workers and the provider of a route's step", async () => {
    const kept: Array<{ answer: AnswerBody; usage: TokenUsage }> = [];
    const calls = await fleetAnswering([
      [{ kind: "text", text: "first" }, done(2)],
      [{ kind: "text", text: "sec" }, { kind: "text", text: "ond" }, done(3)],
    ]);
    const { res, ledger, renderer } = await serve(rendering(2), (r) => r.fleet(calls, delivery(true, kept), false));

    expect(res.status).toBe(200);
    expect(res.headers.get(HttpHeader.provider)).toBe("local");
    expect(res.headers.get(HttpHeader.worker)?.split(",").sort()).toEqual(["w0", "w1"]);
    const body = (await res.json()) as { object: string; choices: Array<{ index: number; message: { content: string } }>; usage: Record<string, number> };
    expect(body.object).toBe("chat.completion");
    expect(body.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, "first"],
      [1, "second"],
    ]);
    expect(body.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 });
    expect(ledger.usages).toEqual([{ promptTokens: 8, completionTokens: 5, cachedTokens: 0 }]);
    expect(ledger.outputs).toBeGreaterThan(0);
    expect(renderer.started).toBe(true);
    expect(kept).toHaveLength(1);
    expect(JSON.parse(kept[0]!.answer.body)).toEqual(body);
  });

  it("names no provider when the fleet served the model directly", async () => {
    const calls = await fleetAnswering([[{ kind: "text", text: "x" }, done(1)]]);
    const { res } = await serve(rendering(), (r) => r.fleet(calls, delivery(false), false));
    expect(res.status).toBe(200);
    expect(res.headers.get(HttpHeader.provider)).toBeNull();
    expect(res.headers.get(HttpHeader.worker)).toBe("w0");
  });

  it("takes the provider header back when a route's fleet step fails, leaving the route free to go on", async () => {
    const kept: Array<{ answer: AnswerBody; usage: TokenUsage }> = [];
    const calls = await fleetAnswering([[{ kind: "text", text: "par" }, { kind: "error", error: new ApiError(503, "service_unavailable_error", "worker lost", { code: "no_capacity" }) }]]);
    const { res, renderer } = await serve(rendering(), (r) => r.fleet(calls, delivery(true, kept), false));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { message: "worker lost", type: "service_unavailable_error", param: null, code: "no_capacity" } });
    expect(res.headers.get(HttpHeader.provider)).toBeNull();
    expect(res.headers.get(HttpHeader.worker)).toBeNull();
    expect(renderer.started).toBe(false);
    expect(kept).toEqual([]);
  });

  it("replays a cached answer as stored, marked a hit from its provider, with its usage", async () => {
    const body = JSON.stringify({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "kept" }, finish_reason: "stop" }] });
    const hit: CachedAnswer = { v: 1, object: "chat.completion", body, usage: { promptTokens: 3, completionTokens: 1 }, provider: "up", storedAt: 0, expiresAt: 1 };
    const { res, ledger, renderer } = await serve(rendering(), (r) => r.cached(hit));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(body);
    expect(res.headers.get(HttpHeader.cache)).toBe("hit");
    expect(res.headers.get(HttpHeader.provider)).toBe("up");
    expect(ledger.served).toEqual([{ provider: "up", cacheHit: true }]);
    expect(ledger.usages).toEqual([{ promptTokens: 3, completionTokens: 1 }]);
    expect(renderer.started).toBe(true);
  });

  it("marks a cache miss on the response", async () => {
    const calls = await fleetAnswering([[{ kind: "text", text: "x" }, done(1)]]);
    const { res } = await serve(rendering(), (r) => {
      r.cacheMiss();
      return r.fleet(calls, delivery(false), false);
    });
    expect(res.headers.get(HttpHeader.cache)).toBe("miss");
  });

  it("passes an upstream's refusal on with its status, Retry-After and an OpenAI error body", async () => {
    const refusal = { kind: "refusal" as const, provider: "up", status: 429, body: Buffer.from("slow down"), retryAfter: "7" };
    const { res, ledger } = await serve(rendering(), (r) => r.refusal(refusal));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.get(HttpHeader.provider)).toBe("up");
    expect(await res.json()).toEqual({ error: { message: "The upstream provider answered 429: slow down", type: "invalid_request_error", param: null, code: "upstream_error" } });
    expect(ledger.served).toEqual([{ provider: "up" }]);
  });
});

describe("HttpRenderer.resumable", () => {
  it("offers a stream for resuming only when it streams and has a shape to resume", async () => {
    const resumeShape = { kind: "chat" as const, id: "chatcmpl-req-1", model: "m", created: 1, includeUsage: false, legacyFunctions: false };
    const seen: unknown[] = [];
    const collect = (draw: HttpRendering) => serve(draw, (r, c) => (seen.push(r.resumable()), c.text("ok")));
    await collect(rendering(1, { resumeShape }));
    await collect(rendering(1, { stream: true }));
    await collect(rendering(1, { stream: true, resumeShape }));
    expect(seen).toEqual([undefined, undefined, { method: "POST", path: "/v1/chat/completions", promptParam: "messages", shape: resumeShape }]);
  });
});
