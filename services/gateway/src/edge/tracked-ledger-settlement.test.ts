import { describe, expect, it } from "vitest";
import { ApiError } from "../errors/api-error.js";
import { claim, daily, edge, policy } from "./tracked-ledger.fixture.js";

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
    expect(limits.settlements).toEqual([{ reservation: expect.objectContaining({ tokens: 500 }), actual: { tokens: 50, costUsd: cost, unserved: false } }]);
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

  it("gives a request back to the key's request limit when the server failed it before any output, not otherwise", async () => {
    const { ledger, limits } = edge(policy({ rateLimits: [daily("requests", 10)] }));
    const refused = ledger();
    await refused.admit(claim());
    refused.finish(503);
    const streamFailed = ledger();
    await streamFailed.admit(claim());
    streamFailed.streaming();
    streamFailed.failed(new ApiError(500, "server_error", "worker lost"));
    streamFailed.finish(200);
    expect(limits.used("requests")).toBe(0);

    const invalid = ledger();
    await invalid.admit(claim());
    invalid.failed(new ApiError(400, "invalid_request_error", "too long"));
    invalid.finish(400);
    const cutShort = ledger();
    await cutShort.admit(claim());
    cutShort.streaming();
    cutShort.firstOutput();
    cutShort.failed(new ApiError(500, "server_error", "worker lost"));
    cutShort.finish(200);
    expect(limits.used("requests")).toBe(2);
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
