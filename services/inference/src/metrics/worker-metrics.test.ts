import { describe, expect, it } from "vitest";
import { toModelToken, type ServedModel as ModelStatus } from "@lantern/shared/contracts";
import { sampleValue } from "@lantern/shared/testing";
import { WorkerMetrics } from "./worker-metrics.js";

const status = (name: string, slots: number, freeSlots: number, state: ModelStatus["state"] = "loaded"): ModelStatus => ({
  name,
  token: toModelToken(name),
  contextSize: 512,
  slots,
  freeSlots,
  state,
  contexts: 1,
});

describe("the worker's series", () => {
  it("counts jobs by outcome, tokens and prompt tokens from the cache, and keeps queue wait, prompt time and tokens/s", async () => {
    const metrics = new WorkerMetrics();
    metrics.jobStarted("m1", 40);
    metrics.generated("m1", { promptTokens: 7, cachedTokens: 5, completionTokens: 11, promptMs: 20, generateMs: 500 });
    metrics.jobEnded("m1", "done");
    metrics.jobEnded("m1", "expired");
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, "lantern_jobs_total", { model: "m1", outcome: "done", service: "inference" })).toBe(1);
    expect(sampleValue(text, "lantern_jobs_total", { model: "m1", outcome: "expired" })).toBe(1);
    expect(sampleValue(text, "lantern_generated_tokens_total", { model: "m1" })).toBe(11);
    expect(sampleValue(text, "lantern_prompt_tokens_total", { model: "m1" })).toBe(7);
    expect(sampleValue(text, "lantern_prompt_tokens_cached_total", { model: "m1" })).toBe(5);
    expect(sampleValue(text, "lantern_queue_wait_seconds_sum", { model: "m1" })).toBe(0.04);
    expect(sampleValue(text, "lantern_prompt_evaluation_seconds_sum", { model: "m1" })).toBe(0.02);
    // 10 tokens after the first, in half a second
    expect(sampleValue(text, "lantern_tokens_per_second_sum", { model: "m1" })).toBe(20);
  });

  it("reads slots busy and total of loaded models at scrape time, and keeps load times", async () => {
    const metrics = new WorkerMetrics();
    let models = [status("m1", 4, 1), status("m2", 2, 2, "unloaded")];
    metrics.watchModels(() => models);
    metrics.modelLoaded("m1", 1_250);
    let text = await metrics.registry.metrics();
    expect(sampleValue(text, "lantern_slots_busy", { model: "m1" })).toBe(3);
    expect(sampleValue(text, "lantern_slots_total", { model: "m1" })).toBe(4);
    expect(sampleValue(text, "lantern_slots_total", { model: "m2" })).toBe(0);
    expect(sampleValue(text, "lantern_model_load_seconds_sum", { model: "m1" })).toBe(1.25);
    models = [status("m1", 4, 4)];
    text = await metrics.registry.metrics();
    expect(sampleValue(text, "lantern_slots_busy", { model: "m1" })).toBe(0);
  });
});
