import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CachedAnswer, ModelRoute, ProviderSetting, RouteStep } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import type { CacheDecision } from "../cache/cache-decision.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { AdmissionClaim, ServedBy } from "../context/request-ledger.js";
import { UntrackedLedger } from "../edge/untracked-ledger.js";
import { ApiError } from "../errors/api-error.js";
import { proxiedRequest } from "../providers/proxied-request.js";
import { UpstreamClient } from "../providers/upstream-client.js";
import type { Delivery, Generation, Renderer, UpstreamAnswer, UpstreamRefusal } from "./generation.js";
import { serveGeneration } from "./serve-generation.js";

// An upstream that answers by the model it is asked for: `busy` 503, `bad` 400, anything else 200.
let upstream: Server;
let seen: string[];
let provider: ProviderSetting;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => {
      const { model } = JSON.parse(text) as { model: string };
      seen.push(model);
      const status = model === "busy" ? 503 : model === "bad" ? 400 : 200;
      const body =
        status === 200
          ? { id: "up-1", object: "chat.completion", model, choices: [{ index: 0, message: { role: "assistant", content: `from ${model}` }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }
          : { error: { message: `${model} says no`, type: "server_error" } };
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  provider = { v: 1, name: "up", baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, apiKey: null, timeoutMs: 5_000 };
});

afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

/** A ledger that remembers its admissions and who served. */
class RecordingLedger extends UntrackedLedger {
  readonly claims: AdmissionClaim[] = [];
  readonly served: ServedBy[] = [];
  override async admit(claim: AdmissionClaim): Promise<void> {
    this.claims.push(claim);
  }
  override servedBy(info: ServedBy): void {
    this.served.push(info);
  }
}

/** Renders each answer as a line of text; an upstream answer can be made to fail after it started. */
class TextRenderer implements Renderer<string> {
  started = false;
  misses = 0;
  kept: Array<{ provider: string; content: unknown }> = [];
  constructor(private readonly failAfterStart = false) {}
  cacheMiss(): void {
    this.misses++;
  }
  cached(answer: CachedAnswer): string {
    return `cached from ${answer.provider}`;
  }
  resumable(): undefined {
    return undefined;
  }
  async fleet(): Promise<string> {
    return "fleet";
  }
  upstream(answer: UpstreamAnswer, delivery: Delivery): string {
    this.started = true;
    if (this.failAfterStart) throw new ApiError(502, "server_error", "broke after the first byte");
    if (answer.kind !== "answer") return "stream";
    const body = JSON.parse(answer.body.toString("utf8")) as { choices: Array<{ message: { content: string } }> };
    delivery.keep?.({ body: answer.body.toString("utf8") } as never, { promptTokens: 3, completionTokens: 2 });
    return `${answer.provider}/${delivery.model}: ${body.choices[0]!.message.content}`;
  }
  refusal(refusal: UpstreamRefusal): string {
    return `refused ${refusal.status} by ${refusal.provider}`;
  }
}

const step = (provider: string, model: string, retries = 0): RouteStep => ({ provider, model, timeoutMs: null, retries });

function fixture(route: ModelRoute | undefined, cached?: CachedAnswer) {
  const kept: Array<{ provider: string }> = [];
  const deps = {
    config: { GATEWAY_LOG_PROMPTS: false, GATEWAY_DEFAULT_COMPLETION_TOKENS: 100 },
    routes: { get: (model: string) => (model === route?.model ? route : undefined) },
    providers: { get: (name: string) => (name === provider.name ? provider : undefined) },
    upstream: new UpstreamClient({ answerLimitBytes: 1 << 20 }),
    cache: { lookup: async () => cached, keep: (_decision: CacheDecision, answer: { provider: string }) => kept.push(answer) },
    // No worker serves anything: a local step is refused as an unknown model.
    registry: { recentWorkersFor: () => [], knowsModel: () => false, loadFailures: () => [], servedModels: () => [] },
    streams: { enabled: false },
    logger: createLogger({ service: "test", level: "silent" }),
  } as unknown as GatewayDeps;
  const ledger = new RecordingLedger();
  const body = { object: { model: route?.model ?? "direct", messages: [{ role: "user", content: "hi" }] }, text: "" };
  body.text = JSON.stringify(body.object);
  const gen: Generation = {
    requestId: "req-1",
    ledger,
    model: body.object.model,
    job: { input: { kind: "chat", messages: [{ role: "user", content: "hi" }] }, sampling: { temperature: 0, topP: 1, seed: 1, presencePenalty: 0, frequencyPenalty: 0, stop: [], maxTokens: 10 } },
    n: 2,
    priority: "normal",
    promptParam: "messages",
    stream: false,
    upstream: proxiedRequest("/chat/completions", body),
    cache: cached === undefined && route?.model !== "kept" ? undefined : { key: "k", ttlMs: 1_000, requestId: "req-1" },
    hops: 0,
    cancel: new AbortController().signal,
  };
  return { deps, gen, ledger, kept };
}

describe("serveGeneration", () => {
  it("admits once for the whole route, retries a failing step, falls over a local step no worker serves, and answers from the next", async () => {
    seen = [];
    const route = { v: 1, model: "routed", steps: [step("up", "busy", 1), step("local", "nowhere"), step("up", "fine")] } as const;
    const { deps, gen, ledger } = fixture({ ...route, steps: [...route.steps] });
    const answer = await serveGeneration(deps, gen, new TextRenderer());
    expect(answer).toBe("up/fine: from fine");
    expect(seen).toEqual(["busy", "busy", "fine"]);
    expect(ledger.claims).toHaveLength(1);
    expect(ledger.claims[0]).toMatchObject({ model: "routed", completionTokensLimit: 20, servedAs: ["busy", "nowhere", "fine"] });
    expect(ledger.served.map((s) => s.model).filter(Boolean)).toEqual(["busy", "busy", "nowhere", "fine"]);
  });

  it("gives a refusal that is not worth another step to the client at once", async () => {
    seen = [];
    const { deps, gen } = fixture({ v: 1, model: "routed", steps: [step("up", "bad"), step("up", "fine")] });
    expect(await serveGeneration(deps, gen, new TextRenderer())).toBe("refused 400 by up");
    expect(seen).toEqual(["bad"]);
  });

  it("ends with the last failure when every step failed", async () => {
    seen = [];
    const upstreamLast = fixture({ v: 1, model: "routed", steps: [step("local", "nowhere"), step("up", "busy")] });
    expect(await serveGeneration(upstreamLast.deps, upstreamLast.gen, new TextRenderer())).toBe("refused 503 by up");
    const localLast = fixture({ v: 1, model: "routed", steps: [step("up", "busy"), step("local", "nowhere")] });
    await expect(serveGeneration(localLast.deps, localLast.gen, new TextRenderer())).rejects.toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("tries no other step once something reached the client", async () => {
    seen = [];
    const { deps, gen } = fixture({ v: 1, model: "routed", steps: [step("up", "fine"), step("up", "other")] });
    await expect(serveGeneration(deps, gen, new TextRenderer(true))).rejects.toMatchObject({ status: 502 });
    expect(seen).toEqual(["fine"]);
  });

  it("answers from the cache without touching the route, and keeps a fresh answer under the provider that gave it", async () => {
    seen = [];
    const hit = { body: "{}", usage: { promptTokens: 1, completionTokens: 1 }, provider: "up", storedAt: Date.now() } as unknown as CachedAnswer;
    const fromCache = fixture({ v: 1, model: "kept", steps: [step("up", "fine")] }, hit);
    expect(await serveGeneration(fromCache.deps, fromCache.gen, new TextRenderer())).toBe("cached from up");
    expect(seen).toEqual([]);

    const fresh = fixture({ v: 1, model: "kept", steps: [step("up", "fine")] });
    const renderer = new TextRenderer();
    expect(await serveGeneration(fresh.deps, fresh.gen, renderer)).toBe("up/fine: from fine");
    expect(renderer.misses).toBe(1);
    expect(fresh.kept).toMatchObject([{ provider: "up" }]);
  });

  it("refuses a model that nothing serves before it counts against the key", async () => {
    const { deps, gen, ledger } = fixture(undefined);
    await expect(serveGeneration(deps, gen, new TextRenderer())).rejects.toMatchObject({ status: 404, code: "model_not_found" });
    expect(ledger.claims).toHaveLength(0);
  });
});
