import { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsApi } from "./events-api.js";
import { usageBackends } from "./test-databases.js";
import { usageEvent } from "./test-fixtures.js";
import { insertUsageEvents } from "./usage-rows.js";

const DAY1 = Date.parse("2026-05-01T10:00:00Z");
const DAY2 = Date.parse("2026-05-02T10:00:00Z");

/**
 * Ten requests over two days, two keys plus open mode, two models, successes, limits, failures, a
 * cache hit, and prompts partly taken from workers' prompt caches (`cachedTokens`).
 */
const events = [
  ...[10, 20, 30, 40].map((latencyMs, i) =>
    usageEvent({ id: `a${i}`, at: DAY1 + i * 60_000, keyId: "key_a", model: "m1", latencyMs, ttftMs: i + 1, promptTokens: 10, cachedTokens: i * 2, completionTokens: 20, costUsd: 0.01, cacheHit: i === 0 }),
  ),
  usageEvent({ id: "b0", at: DAY1 + 3_600_000, keyId: "key_b", model: "m2", status: 429, errorType: "rate_limit_error", latencyMs: 5, ttftMs: null, promptTokens: 3, completionTokens: 0, costUsd: 0 }),
  usageEvent({ id: "b1", at: DAY1 + 7_200_000, keyId: "key_b", model: "m2", status: 500, errorType: "server_error", latencyMs: 15, ttftMs: null, promptTokens: 3, completionTokens: 0, costUsd: 0 }),
  // Two at the same instant: pagination must still give each exactly once.
  ...[100, 200, 300].map((latencyMs, i) =>
    // c1 asked for a route, "m1", whose step model "gpt-m1" answered.
    usageEvent({ id: `c${i}`, at: DAY2 + (i === 2 ? 1 : i) * 60_000, keyId: "key_b", model: "m1", servedModel: i === 1 ? "gpt-m1" : null, provider: "openai", latencyMs, ttftMs: (i + 1) * 10, promptTokens: 5, cachedTokens: i === 0 ? 5 : 0, completionTokens: 7, costUsd: 0.002 }),
  ),
  usageEvent({ id: "d0", at: DAY2 + 60_000, keyId: null, model: "m2", status: 499, latencyMs: 50, ttftMs: null, promptTokens: 4, completionTokens: 0, costUsd: 0 }),
];

describe.each(usageBackends)("events API on %s", (_name, open) => {
  let app: OpenAPIHono;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    await insertUsageEvents(opened.db.db, events);
    app = new OpenAPIHono().route("/", eventsApi({ db: opened.db.db }));
  });
  afterAll(async () => cleanup?.());

  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as any };
  };
  const ids = async (query: string) => ((await get(`/api/events?${query}`)).body.events as Array<{ id: string }>).map((e) => e.id).sort();

  it("lists every event newest first, with what was stored", async () => {
    const { status, body } = await get("/api/events");
    expect(status).toBe(200);
    expect(body.events).toHaveLength(10);
    const times = body.events.map((e: { at: string }) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(body.nextCursor).toBeNull();
    const b0 = body.events.find((e: { id: string }) => e.id === "b0");
    expect(b0).toMatchObject({ keyId: "key_b", model: "m2", status: 429, errorType: "rate_limit_error", promptTokens: 3, cachedTokens: 0, ttftMs: null, at: new Date(DAY1 + 3_600_000).toISOString() });
    const a3 = body.events.find((e: { id: string }) => e.id === "a3");
    expect(a3).toMatchObject({ promptTokens: 10, cachedTokens: 6 });
  });

  it("filters by key, model, provider, status, status class, cache hit and time range", async () => {
    expect(await ids("keyId=key_b")).toEqual(["b0", "b1", "c0", "c1", "c2"]);
    expect(await ids("model=m1&provider=openai")).toEqual(["c0", "c1", "c2"]);
    expect(await ids("status=4xx")).toEqual(["b0", "d0"]);
    expect(await ids("status=500")).toEqual(["b1"]);
    expect(await ids("status=5XX")).toEqual(["b1"]);
    expect(await ids("cacheHit=true")).toEqual(["a0"]);
    expect(await ids("cacheHit=false&model=m1&keyId=key_a")).toEqual(["a1", "a2", "a3"]);
    expect(await ids("start=2026-05-02")).toEqual(["c0", "c1", "c2", "d0"]);
    expect(await ids(`end=${Date.parse("2026-05-02")}`)).toEqual(["a0", "a1", "a2", "a3", "b0", "b1"]);
    expect(await ids("start=2026-05-01T10:01:00Z&end=2026-05-01T10:03:00Z")).toEqual(["a1", "a2"]);
  });

  it("pages through every event exactly once with a cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await get(`/api/events?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(status).toBe(200);
      expect(body.events.length).toBeLessThanOrEqual(3);
      seen.push(...body.events.map((e: { id: string }) => e.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    // Same order as one big page.
    expect(seen).toEqual((await get("/api/events?limit=1000")).body.events.map((e: { id: string }) => e.id));
  });

  it("aggregates by day: requests, errors, tokens, cost, cache hits and percentiles", async () => {
    const { status, body } = await get("/api/events/aggregates?groupBy=day");
    expect(status).toBe(200);
    expect(body.groupBy).toBe("day");
    expect(body.groups.map((g: { group: string }) => g.group)).toEqual(["2026-05-01", "2026-05-02"]);
    const [day1, day2] = body.groups;
    expect(day1).toMatchObject({ requests: 6, errors: 2, promptTokens: 46, cachedTokens: 0 + 2 + 4 + 6, completionTokens: 80, cacheHits: 1 });
    expect(day1.costUsd).toBeCloseTo(0.04, 10);
    // Latencies 5, 10, 15, 20, 30, 40: the median between 15 and 20, p95 three quarters from 30 to 40.
    expect(day1.latencyP50Ms).toBeCloseTo(17.5, 10);
    expect(day1.latencyP95Ms).toBeCloseTo(37.5, 10);
    expect(day1.ttftP50Ms).toBeCloseTo(2.5, 10);
    // First-token times 1, 2, 3, 4 (the failures had none): p95 is 0.85 of the way from 3 to 4.
    expect(day1.ttftP95Ms).toBeCloseTo(3.85, 10);
    expect(day2).toMatchObject({ requests: 4, errors: 1, promptTokens: 19, cachedTokens: 5, completionTokens: 21, cacheHits: 0 });
    expect(day2.costUsd).toBeCloseTo(0.006, 10);
    // Latencies 50, 100, 200, 300.
    expect(day2.latencyP50Ms).toBeCloseTo(150, 10);
    expect(day2.latencyP95Ms).toBeCloseTo(285, 10);
    expect(day2.ttftP50Ms).toBeCloseTo(20, 10);
    expect(day2.ttftP95Ms).toBeCloseTo(29, 10);
  });

  it("aggregates by key (busiest first, open mode as null) and by model, with filters", async () => {
    const byKey = (await get("/api/events/aggregates?groupBy=key")).body.groups;
    expect(byKey.map((g: { group: string | null; requests: number }) => [g.group, g.requests])).toEqual([
      ["key_b", 5],
      ["key_a", 4],
      [null, 1],
    ]);
    const byModel = (await get("/api/events/aggregates?groupBy=model&start=2026-05-02T00:00:00Z")).body.groups;
    expect(byModel).toHaveLength(2);
    expect(byModel[0]).toMatchObject({ group: "m1", requests: 3, errors: 0, promptTokens: 15, cachedTokens: 5, completionTokens: 21 });
    expect(byModel[0].latencyP50Ms).toBeCloseTo(200, 10);
    expect(byModel[1]).toMatchObject({ group: "m2", requests: 1, errors: 1, ttftP50Ms: null });
    const errorsOnly = (await get("/api/events/aggregates?groupBy=model&status=5xx")).body.groups;
    expect(errorsOnly).toEqual([expect.objectContaining({ group: "m2", requests: 1, errors: 1 })]);
    // By the model that answered: a route's step model where one applied, else the one asked for.
    const byServed = (await get("/api/events/aggregates?groupBy=servedModel&start=2026-05-02T00:00:00Z")).body.groups;
    expect(byServed.map((g: { group: string; requests: number }) => [g.group, g.requests])).toEqual([
      ["m1", 2],
      ["gpt-m1", 1],
      ["m2", 1],
    ]);
    expect(await ids("servedModel=gpt-m1")).toEqual(["c1"]);
    expect(await ids("servedModel=m1")).toEqual(["a0", "a1", "a2", "a3", "c0", "c2"]);
    const c1 = (await get("/api/events?servedModel=gpt-m1")).body.events[0];
    expect(c1).toMatchObject({ model: "m1", servedModel: "gpt-m1" });
    const byStatus = (await get("/api/events/aggregates?groupBy=status")).body.groups;
    expect(byStatus.map((g: { group: string; requests: number; errors: number }) => [g.group, g.requests, g.errors])).toEqual([
      ["200", 7, 0],
      ["429", 1, 1],
      ["499", 1, 1],
      ["500", 1, 1],
    ]);
    const none = (await get("/api/events/aggregates?keyId=nobody")).body.groups;
    expect(none).toEqual([]);
  });

  it.each([
    ["/api/events?limit=0", "limit"],
    ["/api/events?limit=many", "limit"],
    ["/api/events?status=abc", "status"],
    ["/api/events?status=600", "status"],
    ["/api/events?start=yesterday-ish", "start"],
    ["/api/events?cacheHit=maybe", "cacheHit"],
    ["/api/events?cursor=not-a-cursor", "cursor"],
    ["/api/events/aggregates?groupBy=week", "groupBy"],
    ["/api/events/aggregates?end=never", "end"],
    ["/api/events?start=2026-05-02&end=2026-05-01", "end"],
    ["/api/events/aggregates?start=2026-05-02T00:00:00Z&end=2026-05-02T00:00:00Z", "end"],
    ["/api/events?modle=x", "modle"],
    ["/api/events/aggregates?by=key", "by"],
  ])("answers %s with a 400 naming %s", async (path, param) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ type: "invalid_request_error", param });
    expect(typeof body.error.message).toBe("string");
  });

  it("says which query parameter it does not know, and that a range must end after it starts", async () => {
    const unknown = await get("/api/events/aggregates?by=key");
    expect(unknown.body.error).toEqual({ message: "Unknown query parameter 'by'.", type: "invalid_request_error", param: "by", code: "unknown_parameter" });
    const backwards = await get("/api/events?start=2026-05-02&end=2026-05-01");
    expect(backwards.body.error).toMatchObject({ message: "Invalid value for 'end': must be after 'start'", param: "end" });
  });
});

describe("events API document", () => {
  it("describes both routes from their schemas", () => {
    const app = new OpenAPIHono().route("/", eventsApi({ db: undefined as never }));
    const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
    expect(Object.keys(doc.paths ?? {})).toEqual(expect.arrayContaining(["/api/events", "/api/events/aggregates"]));
    const params = (doc.paths?.["/api/events"]?.get?.parameters ?? []) as Array<{ name: string }>;
    expect(params.map((p) => p.name)).toEqual(expect.arrayContaining(["keyId", "model", "status", "provider", "cacheHit", "start", "end", "limit", "cursor"]));
    expect(doc.components?.schemas).toHaveProperty("UsageAggregate");
    expect(doc.components?.schemas).toHaveProperty("UsageSeries");
    expect(Object.keys(doc.paths ?? {})).toContain("/api/events/series");
    const stored = doc.components?.schemas?.UsageEvent as { properties: Record<string, unknown> };
    expect(Object.keys(stored.properties)).toEqual(expect.arrayContaining(["id", "at", "keyId", "status", "costUsd", "ttftMs", "cacheHit", "workerIds"]));
    expect(stored.properties).not.toHaveProperty("v");
  });
});
