import { describe, expect, it } from "vitest";
import { unrestrictedKeyPolicy, type KeyPolicy, type ModelPrice, type UsageEvent } from "@lantern/shared/contracts";
import { admit, emptyCounters, fitsWithin, LimitsUnavailableError, settle, windowId } from "@lantern/shared/limits";
import type { AdmitRequest, KeyCounters, LimitKeeper, LimitStanding, OpOutcome, Reservation, Usage } from "@lantern/shared/limits";
import { createLogger } from "@lantern/shared/logging";
import type { UsageOutbox } from "@lantern/shared/nats";
import { ApiError } from "../errors/api-error.js";
import type { AdmissionClaim } from "../context/request-ledger.js";
import { TrackedLedger, type LedgerServices } from "./tracked-ledger.js";

// Noon, far from any window's or budget period's edge, so nothing rolls over mid-test.
const NOW = Date.UTC(2030, 0, 15, 12);
const KEY = "key-hash";

/** One gateway's view of the shared counters, decided by the same pure rules the real keeper commits. */
class InMemoryLimits {
  counters: KeyCounters = emptyCounters();
  readonly settlements: Array<{ reservation: Reservation; actual: Usage }> = [];
  unavailable = false;

  admitFromLease(): Reservation | null {
    return null;
  }
  async admit(_key: string, request: AdmitRequest): Promise<OpOutcome> {
    if (this.unavailable) throw new LimitsUnavailableError("no NATS");
    const { counters, outcome } = admit(this.counters, request, NOW);
    this.counters = counters;
    return outcome;
  }
  settle(_key: string, reservation: Reservation, actual: Usage): Promise<void> {
    this.settlements.push({ reservation, actual });
    this.counters = settle(this.counters, reservation, actual, NOW);
    return Promise.resolve();
  }
  hasRoom(_key: string, request: AdmitRequest): boolean {
    return fitsWithin(this.counters, request, NOW, 0.5);
  }
  standing(_key: string, policy: KeyPolicy): LimitStanding[] {
    return policy.rateLimits.map((limit) => ({
      kind: limit.kind,
      limit: limit.limit,
      remaining: limit.limit - (this.counters.windows[windowId(limit)]?.used ?? 0),
      resetMs: 60_000,
    }));
  }
  used(kind: "requests" | "tokens"): number {
    return this.counters.windows[windowId({ kind, windowSeconds: 86_400 })]?.used ?? 0;
  }
}

const price = (model: string, inputPerMTokUsd: number, outputPerMTokUsd: number): ModelPrice => ({ v: 1, model, inputPerMTokUsd, outputPerMTokUsd });
const PRICES = [price("priced", 1_000, 2_000), price("cheap", 10, 10), price("dear", 100, 500)];

function edge(policy: KeyPolicy | null) {
  const limits = new InMemoryLimits();
  const events: Array<{ event: UsageEvent; alone: boolean }> = [];
  const services: LedgerServices = {
    limits: limits as unknown as LimitKeeper,
    outbox: { add: (event: UsageEvent, opts: { alone?: boolean } = {}) => events.push({ event, alone: opts.alone ?? false }) } as unknown as UsageOutbox,
    gatewayId: "gw-1",
    holdMs: 60_000,
    logger: createLogger({ service: "test", level: "silent" }),
    priceOf: (model) => PRICES.find((p) => p.model === model),
  };
  let requests = 0;
  const ledger = () => {
    const id = `req-${++requests}`;
    const l = new TrackedLedger(services, { requestId: id, method: "POST", path: "/v1/chat/completions", at: NOW });
    l.identify({ keyHash: policy ? KEY : null, policy });
    return l;
  };
  return { limits, events, ledger };
}

const policy = (over: Partial<KeyPolicy> = {}) => unrestrictedKeyPolicy("key-1", over);
const claim = (over: Partial<AdmissionClaim> = {}): AdmissionClaim => ({ model: "priced", promptTokensEstimate: 100, completionTokensLimit: 400, ...over });
const daily = (kind: "requests" | "tokens", limit: number) => ({ kind, limit, windowSeconds: 86_400 });

async function refusalOf(admission: Promise<void>): Promise<ApiError> {
  const err = await admission.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("TrackedLedger admission", () => {
  it("admits within a key's request limit, then answers 429 with OpenAI's error shape and Retry-After", async () => {
    const { ledger, limits } = edge(policy({ rateLimits: [daily("requests", 2)] }));
    const headers: Array<Array<[string, string]>> = [];
    for (let i = 0; i < 2; i++) {
      const l = ledger();
      l.onLimitHeaders = (h) => headers.push(h);
      await l.admit(claim());
    }
    expect(limits.used("requests")).toBe(2);
    expect(Object.fromEntries(headers[1]!)).toMatchObject({ "x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": "0" });

    const third = ledger();
    third.onLimitHeaders = (h) => headers.push(h);
    const refused = await refusalOf(third.admit(claim()));
    // A refused client is told where its limits stand too.
    expect(headers).toHaveLength(3);
    expect(refused.status).toBe(429);
    expect(refused.toBody()).toEqual({ error: { type: "requests", code: "rate_limit_exceeded", param: null, message: expect.stringContaining("2 requests per 86400 s") } });
    expect(Number(refused.headers["Retry-After"])).toBeGreaterThan(0);
    expect(limits.used("requests")).toBe(2);
  });

  it("refuses a request too big for the token window with no Retry-After, since waiting cannot help", async () => {
    const { ledger } = edge(policy({ rateLimits: [daily("tokens", 300)] }));
    const refused = await refusalOf(ledger().admit(claim()));
    expect(refused).toMatchObject({ status: 429, type: "tokens", code: "rate_limit_exceeded" });
    expect(refused.headers).toEqual({});
  });

  it("holds a concurrency slot until the request finishes", async () => {
    const { ledger } = edge(policy({ maxConcurrent: 1 }));
    const first = ledger();
    await first.admit(claim());
    expect(await refusalOf(ledger().admit(claim()))).toMatchObject({ status: 429, type: "requests", code: "concurrency_limit_exceeded" });
    first.finish(200);
    await expect(ledger().admit(claim())).resolves.toBeUndefined();
  });

  it("refuses a request whose reserved cost exceeds the budget left (insufficient_quota)", async () => {
    // 100 prompt tokens at $1000/M plus 400 completion at $2000/M reserve $0.90.
    const { ledger } = edge(policy({ budget: { amountUsd: 1, period: "day" } }));
    await ledger().admit(claim());
    expect(await refusalOf(ledger().admit(claim()))).toMatchObject({ status: 429, type: "insufficient_quota", code: "insufficient_quota" });
  });

  it("answers 403 for a model the key may not use, before anything is counted", async () => {
    const { ledger, limits, events } = edge(policy({ allowedModels: ["priced"], rateLimits: [daily("requests", 5)] }));
    const expected = { status: 403, type: "permission_error", code: "model_not_allowed", param: "model" };
    expect(await refusalOf(ledger().admit(claim({ model: "other" })))).toMatchObject(expected);
    expect(() => ledger().admitNow(claim({ model: "other" }))).toThrow(expect.objectContaining(expected));
    expect(ledger().hasRoom(claim({ model: "other" }))).toBe(false);
    expect(limits.used("requests")).toBe(0);
    expect(events).toHaveLength(0);
  });

  it("answers 503 limits_unavailable when the counters cannot be reached", async () => {
    const { ledger, limits } = edge(policy({ rateLimits: [daily("requests", 5)] }));
    limits.unavailable = true;
    expect(await refusalOf(ledger().admit(claim()))).toMatchObject({ status: 503, code: "limits_unavailable", headers: { "Retry-After": "1" } });
  });

  it("reserves a route's claim at the dearest price of the models that may answer it", async () => {
    const { ledger, limits } = edge(policy({ budget: { amountUsd: 100, period: "day" } }));
    await ledger().admit(claim({ model: "route", servedAs: ["cheap", "dear"] }));
    expect(limits.counters.spend?.usd).toBeCloseTo((100 * 100 + 400 * 500) / 1e6);
  });

  it("lets an open-mode request through without touching any counter", async () => {
    const { ledger, limits, events } = edge(null);
    const l = ledger();
    await l.admit(claim());
    l.finish(200);
    expect(limits.counters).toEqual(emptyCounters());
    expect(events.map((e) => e.event.keyId)).toEqual([null]);
  });
});

describe("TrackedLedger settlement and usage event", () => {
  it("settles to the real usage and publishes exactly one event with tokens, cost and who served", async () => {
    const { ledger, limits, events } = edge(policy({ rateLimits: [daily("tokens", 10_000)] }));
    const l = ledger();
    await l.admit(claim());
    expect(limits.used("tokens")).toBe(500);
    l.servedBy({ provider: "local", workerIds: ["w1", "w2"] });
    l.firstOutput();
    l.usage({ promptTokens: 30, completionTokens: 20, cachedTokens: 10 });
    l.finish(200);
    l.finish(200);

    expect(limits.used("tokens")).toBe(50);
    const cost = (30 * 1_000 + 20 * 2_000) / 1e6;
    expect(limits.settlements).toEqual([{ reservation: expect.objectContaining({ tokens: 500 }), actual: { tokens: 50, costUsd: cost } }]);
    expect(events).toHaveLength(1);
    expect(events[0]!.alone).toBe(false);
    expect(events[0]!.event).toMatchObject({
      requestId: "req-1",
      gatewayId: "gw-1",
      keyId: "key-1",
      model: "priced",
      servedModel: null,
      provider: "local",
      workerIds: ["w1", "w2"],
      status: 200,
      errorType: null,
      stream: false,
      promptTokens: 30,
      cachedTokens: 10,
      completionTokens: 20,
      costUsd: cost,
      cacheHit: false,
    });
    expect(events[0]!.event.ttftMs).not.toBeNull();
  });

  it("charges a route's answer at the price of the step that served it", () => {
    const { ledger, events } = edge(policy({ maxConcurrent: 3 }));
    const l = ledger();
    l.admitNow(claim({ model: "route", servedAs: ["cheap", "dear"] }));
    l.servedBy({ provider: "up", model: "cheap" });
    l.usage({ promptTokens: 1_000, completionTokens: 1_000 });
    l.finish(200);
    expect(events[0]!.event).toMatchObject({ model: "route", servedModel: "cheap", provider: "up", costUsd: 0.02 });
  });

  it("publishes a stream's event alone, so a resuming gateway's copy is kept once", async () => {
    const { ledger, events } = edge(policy());
    const l = ledger();
    await l.admit(claim());
    l.streaming();
    l.finish(200);
    expect(events).toMatchObject([{ alone: true, event: { stream: true } }]);
  });

  it("reports a cache hit's replayed usage but charges nothing for it", async () => {
    const { ledger, limits, events } = edge(policy({ rateLimits: [daily("tokens", 10_000)] }));
    const l = ledger();
    await l.admit(claim());
    l.servedBy({ provider: "up", cacheHit: true });
    l.usage({ promptTokens: 30, completionTokens: 20 });
    l.finish(200);
    expect(limits.used("tokens")).toBe(0);
    expect(events[0]!.event).toMatchObject({ cacheHit: true, provider: "up", promptTokens: 30, completionTokens: 20, costUsd: 0 });
  });

  it("charges the whole reservation when text went out but no usage came (the client left mid-stream)", async () => {
    const { ledger, limits, events } = edge(policy({ rateLimits: [daily("tokens", 10_000)] }));
    const l = ledger();
    await l.admit(claim());
    l.firstOutput();
    l.finish(499);
    expect(limits.used("tokens")).toBe(500);
    expect(events[0]!.event).toMatchObject({ status: 499, promptTokens: 100, completionTokens: 400, costUsd: 0.9 });
  });

  it("gives everything back when nothing was generated", async () => {
    const { ledger, limits, events } = edge(policy({ rateLimits: [daily("tokens", 10_000)], maxConcurrent: 1 }));
    const l = ledger();
    await l.admit(claim());
    l.failed(new ApiError(503, "service_unavailable_error", "no slot"));
    l.finish(503);
    expect(limits.used("tokens")).toBe(0);
    expect(limits.counters.held).toEqual({});
    expect(events[0]!.event).toMatchObject({ status: 503, errorType: "service_unavailable_error", costUsd: 0, ttftMs: null });
  });

  it("releases the reservation of a client that left while its admission was being decided", async () => {
    const { ledger, limits, events } = edge(policy({ maxConcurrent: 1 }));
    const l = ledger();
    const admission = l.admit(claim());
    l.finish(499);
    await admission;
    expect(limits.counters.held).toEqual({});
    expect(events.map((e) => e.event.status)).toEqual([499]);
  });

  it("records a dropped response under the error's status, a failed one under the status sent", async () => {
    const { ledger, events } = edge(policy());
    const dropped = ledger();
    await dropped.admit(claim());
    dropped.streaming();
    dropped.dropped(new ApiError(408, "timeout_error", "too slow", { code: "client_too_slow" }));
    dropped.finish(200);

    const failed = ledger();
    await failed.admit(claim());
    failed.streaming();
    failed.failed(new ApiError(500, "server_error", "worker lost"));
    failed.finish(200);

    expect(events.map((e) => [e.event.status, e.event.errorType])).toEqual([
      [408, "timeout_error"],
      [200, "server_error"],
    ]);
  });

  it("admits a request only once", async () => {
    const { ledger } = edge(policy());
    const l = ledger();
    await l.admit(claim());
    await expect(l.admit(claim())).rejects.toThrow("at most once");
  });
});
