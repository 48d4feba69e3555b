import { afterAll, beforeAll, expect, it } from "vitest";
import { sampleValue } from "@lantern/shared/testing";
import { startTestAdmin, type TestAdmin } from "../testing/test-admin.js";

const METRICS_TOKEN = "scrape-token-0123456789";
let t: TestAdmin;

beforeAll(async () => {
  t = await startTestAdmin("postgres", { METRICS_TOKEN });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const scrape = async (token = METRICS_TOKEN) => {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
};

const valueOf = (text: string, route: string, status: string) => sampleValue(text, "lantern_http_requests_total", { route, status, service: "admin" });

it("counts requests by route pattern and status, and NATS reconnects", async () => {
  const route = "/api/key-management/keys";
  const before = valueOf(await scrape(), route, "200");
  expect((await t.call("GET", "/api/key-management/keys")).status).toBe(200);
  expect((await t.call("GET", "/api/key-management/keys/no-such-key")).status).toBe(404);
  const after = await scrape();
  expect(valueOf(after, route, "200")).toBe(before + 1);
  expect(valueOf(after, `${route}/:id`, "404")).toBe(1);
  expect(after).toContain('lantern_nats_reconnects_total{service="admin"} 0');
  expect(after).toContain("process_cpu_seconds_total");
});

it("answers /metrics only with METRICS_TOKEN when one is set; the admin token is not it", async () => {
  expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
  const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: "Bearer test-admin-token-0123456789" } });
  expect(wrong.status).toBe(401);
  expect(await wrong.json()).toMatchObject({ error: { type: expect.any(String) } });
});
