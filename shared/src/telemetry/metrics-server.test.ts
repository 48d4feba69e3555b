import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Counter } from "prom-client";
import { createLogger } from "../logging/index.js";
import { createMetricsRegistry } from "./metrics-registry.js";
import { startMetricsServer, type RunningMetricsServer } from "./metrics-server.js";

const registry = createMetricsRegistry("probe");
const jobs = new Counter({ name: "lantern_probe_total", help: "probe", registers: [registry] });
let ready = false;
let open: RunningMetricsServer;
let guarded: RunningMetricsServer;

beforeAll(async () => {
  const logger = createLogger({ service: "probe", level: "silent" });
  open = await startMetricsServer({ port: 0, host: "127.0.0.1", registry, ready: () => ready, logger });
  guarded = await startMetricsServer({ port: 0, host: "127.0.0.1", registry, ready: () => true, token: "scrape-secret", logger });
});
afterAll(async () => {
  await open?.stop();
  await guarded?.stop();
});

describe("the metrics server", () => {
  it("serves the registry's series in the Prometheus text format, with the service label", async () => {
    jobs.inc(3);
    const res = await fetch(`${open.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain('lantern_probe_total{service="probe"} 3');
  });

  it("answers /healthz always and /readyz by the service's readiness", async () => {
    expect((await fetch(`${open.url}/healthz`)).status).toBe(200);
    ready = false;
    expect(await (await fetch(`${open.url}/readyz`)).json()).toEqual({ status: "not_ready" });
    ready = true;
    expect((await fetch(`${open.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${open.url}/nothing`)).status).toBe(404);
  });

  it("requires METRICS_TOKEN for /metrics when set, never for health", async () => {
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: "Bearer scrape-secret" } })).status).toBe(200);
    expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${guarded.url}/readyz`)).status).toBe(200);
  });
});
