import { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageSeries } from "@lantern/shared/contracts";
import { eventsApi } from "./events-api.js";
import { usageBackends } from "./test-databases.js";
import { usageEvent } from "./test-fixtures.js";
import { insertUsageEvents } from "./usage-rows.js";

const T0 = Date.parse("2026-05-01T10:00:00Z");

/** Two in the first minute, a failure in the next, two three hours later (one without a key, refused). */
const events = [
  usageEvent({ id: "e1", at: T0 + 10_000, keyId: "key_a", model: "m1", promptTokens: 10, cachedTokens: 4, completionTokens: 20, costUsd: 0.01 }),
  usageEvent({ id: "e2", at: T0 + 50_000, keyId: "key_b", model: "m2", promptTokens: 5, cachedTokens: 0, completionTokens: 7, costUsd: 0.002 }),
  usageEvent({ id: "e3", at: T0 + 70_000, keyId: "key_a", model: "m1", status: 500, promptTokens: 3, cachedTokens: 0, completionTokens: 0, costUsd: 0 }),
  usageEvent({ id: "e4", at: T0 + 3 * 3_600_000, keyId: "key_a", model: "m1", promptTokens: 8, cachedTokens: 8, completionTokens: 4, costUsd: 0.004 }),
  usageEvent({ id: "e5", at: T0 + 3 * 3_600_000 + 5_000, keyId: null, model: "m2", status: 429, promptTokens: 2, cachedTokens: 0, completionTokens: 0, costUsd: 0 }),
];

describe.each(usageBackends)("usage series on %s", (_name, open) => {
  let app: OpenAPIHono;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    await insertUsageEvents(opened.db.db, events);
    app = new OpenAPIHono().route("/", eventsApi({ db: opened.db.db }));
  });
  afterAll(async () => cleanup?.());

  const get = async (query: string) => {
    const res = await app.request(`/api/events/series?${query}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const series = async (query: string) => {
    const { status, body } = await get(query);
    expect(status, JSON.stringify(body)).toBe(200);
    return UsageSeries.parse(body);
  };
  const rows = (s: UsageSeries) => s.points.map((p) => [p.start.slice(11, 16), p.group, p.requests, p.errors]);

  it("sums requests, errors, tokens and cost per minute, leaving out minutes without requests", async () => {
    const s = await series("bucketSeconds=60");
    expect(s).toMatchObject({ bucketSeconds: 60, splitBy: "none" });
    expect(s.points.map((p) => p.start)).toEqual(["2026-05-01T10:00:00.000Z", "2026-05-01T10:01:00.000Z", "2026-05-01T13:00:00.000Z"]);
    const [first, second, third] = s.points;
    expect(first).toMatchObject({ group: null, requests: 2, errors: 0, promptTokens: 15, cachedTokens: 4, completionTokens: 27 });
    expect(first!.costUsd).toBeCloseTo(0.012, 10);
    expect(second).toMatchObject({ requests: 1, errors: 1, promptTokens: 3, completionTokens: 0, costUsd: 0 });
    expect(third).toMatchObject({ requests: 2, errors: 1, promptTokens: 10, cachedTokens: 8, completionTokens: 4 });
  });

  it("splits each hour by model, key or status, busiest first within an hour", async () => {
    expect(rows(await series("bucketSeconds=3600&splitBy=model"))).toEqual([
      ["10:00", "m1", 2, 1],
      ["10:00", "m2", 1, 0],
      ["13:00", "m1", 1, 0],
      ["13:00", "m2", 1, 1],
    ]);
    expect(rows(await series("bucketSeconds=3600&splitBy=key"))).toEqual([
      ["10:00", "key_a", 2, 1],
      ["10:00", "key_b", 1, 0],
      ["13:00", "key_a", 1, 0],
      ["13:00", null, 1, 1],
    ]);
    expect(rows(await series("bucketSeconds=3600&splitBy=status"))).toEqual([
      ["10:00", "200", 2, 0],
      ["10:00", "500", 1, 1],
      ["13:00", "200", 1, 0],
      ["13:00", "429", 1, 1],
    ]);
  });

  it("aligns day buckets to UTC midnight and applies the event filters", async () => {
    const byDay = await series("bucketSeconds=86400");
    expect(byDay.points).toEqual([expect.objectContaining({ start: "2026-05-01T00:00:00.000Z", requests: 5, errors: 2, promptTokens: 28, completionTokens: 31 })]);
    const m2 = await series("bucketSeconds=3600&model=m2&start=2026-05-01T11:00:00Z");
    expect(rows(m2)).toEqual([["13:00", null, 1, 1]]);
    expect((await series("bucketSeconds=3600&keyId=nobody")).points).toEqual([]);
  });

  it.each([
    ["bucketSeconds=30", "bucketSeconds"],
    ["bucketSeconds=an-hour", "bucketSeconds"],
    ["bucketSeconds=2592001", "bucketSeconds"],
    ["splitBy=day", "splitBy"],
    ["start=2026-01-01T00:00:00Z&end=2026-05-01T00:00:00Z&bucketSeconds=60", "bucketSeconds"],
    ["start=2026-05-02&end=2026-05-01", "end"],
    ["groupBy=model", "groupBy"],
  ])("answers %s with a 400 naming %s", async (query, param) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ type: "invalid_request_error", param });
  });
});
