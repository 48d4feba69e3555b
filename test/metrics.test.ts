import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasSeries, parsePrometheusText, sampleValue, type PrometheusSample } from "@lantern/shared/testing";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type TestStack } from "./harness/test-stack.js";

/*
 * The gateway's and a worker's /metrics, scraped before and after one request: the series the
 * docs/observability.md lists are there, and the ones a request moves have moved.
 */

let stack: TestStack;
let worker: InProcessWorker;

beforeAll(async () => {
  stack = await startTestStack();
  worker = await stack.startWorker({ METRICS_PORT: "0", METRICS_HOST: "127.0.0.1" });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function scrape(url: string): Promise<PrometheusSample[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

const model = { model: BUNDLED_MODEL };

describe("/metrics of the gateway and the worker", () => {
  it("expose the listed series, and a request moves them", async () => {
    const workerUrl = worker.worker.metricsUrl!;
    expect(workerUrl).toBeDefined();
    // The gateway reports a model's queue once its queue monitor has read it.
    await waitFor(async () => hasSeries(await scrape(stack.baseUrl), "lantern_queue_depth"));
    const gatewayBefore = await scrape(stack.baseUrl);
    const workerBefore = await scrape(workerUrl);

    const res = await fetch(`${stack.baseUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 16, temperature: 0 }),
    });
    expect(res.status).toBe(200);
    const { usage } = (await res.json()) as { usage: { completion_tokens: number } };
    expect(usage.completion_tokens).toBeGreaterThan(1);

    const gateway = await scrape(stack.baseUrl);
    const moved = (after: PrometheusSample[], before: PrometheusSample[], name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const completions = { route: "/v1/completions", status: "200" };
    expect(moved(gateway, gatewayBefore, "lantern_http_requests_total", completions)).toBe(1);
    expect(moved(gateway, gatewayBefore, "lantern_time_to_first_token_seconds_count", model)).toBe(1);
    expect(moved(gateway, gatewayBefore, "lantern_request_duration_seconds_count", { ...model, outcome: "done" })).toBe(1);
    for (const name of ["lantern_queue_depth", "lantern_queue_oldest_age_seconds", "lantern_nats_reconnects_total", "process_cpu_seconds_total"]) {
      expect(hasSeries(gateway, name), name).toBe(true);
    }

    // The worker counts the job once it has acked it, just after the client has its answer.
    let workerAfter: PrometheusSample[] = [];
    await waitFor(async () => {
      workerAfter = await scrape(workerUrl);
      return moved(workerAfter, workerBefore, "lantern_jobs_total", { ...model, outcome: "done" }) === 1;
    });
    expect(moved(workerAfter, workerBefore, "lantern_generated_tokens_total", model)).toBe(usage.completion_tokens);
    expect(moved(workerAfter, workerBefore, "lantern_tokens_per_second_count", model)).toBe(1);
    expect(moved(workerAfter, workerBefore, "lantern_queue_wait_seconds_count", model)).toBe(1);
    expect(moved(workerAfter, workerBefore, "lantern_prompt_evaluation_seconds_count", model)).toBe(1);
    expect(sampleValue(workerAfter, "lantern_slots_total", model)).toBe(2);
    // The slot frees once its sequence is cleared, a moment after the job is counted.
    await waitFor(async () => sampleValue(await scrape(workerUrl), "lantern_slots_busy", model) === 0);
    expect(sampleValue(workerAfter, "lantern_model_load_seconds_count", model)).toBe(1);
    expect(hasSeries(workerAfter, "lantern_nats_reconnects_total")).toBe(true);
  });

  it("come with the worker's health and readiness on its metrics port", async () => {
    const url = worker.worker.metricsUrl!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: "ready", nats: "connected", models: [{ name: BUNDLED_MODEL, state: "loaded" }] });
  });
});
