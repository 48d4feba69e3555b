import { describe, expect, it } from "vitest";
import { hasSeries, sampleValue } from "@lantern/shared/testing";
import type { QueueStats } from "../jobs/queue-monitor.js";
import { GatewayMetrics } from "./gateway-metrics.js";

describe("the gateway's series", () => {
  it("counts requests by route and status", async () => {
    const metrics = new GatewayMetrics();
    metrics.http.count("/v1/chat/completions", 200);
    metrics.http.count("/v1/chat/completions", 200);
    metrics.http.count("/v1/chat/completions", 429);
    const text = await metrics.registry.metrics();
    const requests = (status: string) => sampleValue(text, "lantern_http_requests_total", { route: "/v1/chat/completions", status, service: "gateway" });
    expect(requests("200")).toBe(2);
    expect(requests("429")).toBe(1);
  });

  it("keeps time to first token by model, and job durations by model and outcome", async () => {
    const metrics = new GatewayMetrics();
    metrics.firstOutput("m1", 0.2);
    metrics.ended("m1", 1.5, "done");
    metrics.ended("m1", 0.1, "cancelled");
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, "lantern_time_to_first_token_seconds_bucket", { model: "m1", le: "0.25" })).toBe(1);
    expect(sampleValue(text, "lantern_time_to_first_token_seconds_bucket", { model: "m1", le: "0.1" })).toBe(0);
    expect(sampleValue(text, "lantern_request_duration_seconds_count", { model: "m1", outcome: "done" })).toBe(1);
    expect(sampleValue(text, "lantern_request_duration_seconds_sum", { model: "m1", outcome: "cancelled" })).toBe(0.1);
  });

  it("reads queue depth and oldest age from the monitor at scrape time", async () => {
    const metrics = new GatewayMetrics();
    let stats: QueueStats[] = [{ model: "m1", waiting: { high: 1, normal: 4, low: 0 }, oldestWaitMs: 2_500, measuredAt: 0 }];
    metrics.watchQueues({ all: () => stats });
    let text = await metrics.registry.metrics();
    expect(sampleValue(text, "lantern_queue_depth", { model: "m1", priority: "normal" })).toBe(4);
    expect(sampleValue(text, "lantern_queue_depth", { model: "m1" })).toBe(5);
    expect(sampleValue(text, "lantern_queue_oldest_age_seconds", { model: "m1" })).toBe(2.5);
    stats = [{ model: "m1", waiting: { high: 0, normal: 0, low: 0 }, oldestWaitMs: null, measuredAt: 1 }];
    text = await metrics.registry.metrics();
    expect(sampleValue(text, "lantern_queue_depth", { model: "m1" })).toBe(0);
    expect(sampleValue(text, "lantern_queue_oldest_age_seconds", { model: "m1" })).toBe(0);
    expect(hasSeries(text, "lantern_queue_oldest_age_seconds")).toBe(true);
  });
});
