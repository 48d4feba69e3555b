import { describe, expect, it } from "vitest";
import { emptyCounters } from "@lantern/shared/limits";
import { claim, daily, edge, policy, refusalOf } from "./tracked-ledger.fixture.js";

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
