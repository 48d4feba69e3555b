import type { ServedModel as ModelStatus } from "@lantern/shared/contracts";
import { createMetricsRegistry } from "@lantern/shared/telemetry";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** How a pulled job ended on this worker. */
type JobOutcome = "done" | "error" | "expired" | "cancelled" | "refused";

/** One finished generation's figures. */
interface GenerationFigures {
  promptTokens: number;
  /** Of `promptTokens`, those the slot's cache already held (not evaluated again). */
  cachedTokens?: number | undefined;
  completionTokens: number;
  promptMs: number;
  generateMs: number;
}

const WAIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const RATE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];
const LOAD_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * An inference worker's Prometheus series: jobs by outcome, queue wait, prompt evaluation,
 * prompt tokens and those reused from a slot's cache, tokens and tokens/s per model, slots busy and total, model load time.
 */
export class WorkerMetrics {
  readonly registry: Registry;
  private readonly jobs: Counter<"model" | "outcome">;
  private readonly queueWait: Histogram<"model">;
  private readonly promptEvaluation: Histogram<"model">;
  private readonly promptTokens: Counter<"model">;
  private readonly cachedPromptTokens: Counter<"model">;
  private readonly generatedTokens: Counter<"model">;
  private readonly tokensPerSecond: Histogram<"model">;
  private readonly modelLoad: Histogram<"model">;

  constructor() {
    const registers = [(this.registry = createMetricsRegistry("inference"))];
    this.jobs = new Counter({ name: "lantern_jobs_total", help: "Jobs this worker pulled, by model and outcome.", labelNames: ["model", "outcome"], registers });
    this.queueWait = new Histogram({
      name: "lantern_queue_wait_seconds",
      help: "From a job's queueing to its start on this worker, by model.",
      labelNames: ["model"],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.promptEvaluation = new Histogram({
      name: "lantern_prompt_evaluation_seconds",
      help: "Prompt evaluation (to the first generated token), by model.",
      labelNames: ["model"],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.promptTokens = new Counter({ name: "lantern_prompt_tokens_total", help: "Prompt tokens of finished jobs, cached or evaluated, by model.", labelNames: ["model"], registers });
    this.cachedPromptTokens = new Counter({
      name: "lantern_prompt_tokens_cached_total",
      help: "Prompt tokens a slot's cache already held from an earlier job, so not evaluated again, by model.",
      labelNames: ["model"],
      registers,
    });
    this.generatedTokens = new Counter({ name: "lantern_generated_tokens_total", help: "Tokens generated, by model.", labelNames: ["model"], registers });
    this.tokensPerSecond = new Histogram({
      name: "lantern_tokens_per_second",
      help: "Generation speed of each finished job (tokens after the first, per second), by model.",
      labelNames: ["model"],
      buckets: RATE_BUCKETS,
      registers,
    });
    this.modelLoad = new Histogram({
      name: "lantern_model_load_seconds",
      help: "Time to load a model and start serving it, by model.",
      labelNames: ["model"],
      buckets: LOAD_BUCKETS,
      registers,
    });
  }

  jobEnded(model: string, outcome: JobOutcome): void {
    this.jobs.inc({ model, outcome });
  }

  jobStarted(model: string, queuedMs: number): void {
    this.queueWait.observe({ model }, queuedMs / 1_000);
  }

  generated(model: string, figures: GenerationFigures): void {
    this.promptTokens.inc({ model }, figures.promptTokens);
    this.cachedPromptTokens.inc({ model }, figures.cachedTokens ?? 0);
    this.generatedTokens.inc({ model }, figures.completionTokens);
    this.promptEvaluation.observe({ model }, figures.promptMs / 1_000);
    // The first token closes the prompt phase; the rest came in generateMs.
    if (figures.completionTokens > 1 && figures.generateMs > 0) {
      this.tokensPerSecond.observe({ model }, (figures.completionTokens - 1) / (figures.generateMs / 1_000));
    }
  }

  modelLoaded(model: string, loadMs: number): void {
    this.modelLoad.observe({ model }, loadMs / 1_000);
  }

  /** `lantern_slots_busy` and `lantern_slots_total` per loaded model, read from the host at scrape time. */
  watchModels(snapshot: () => ModelStatus[]): void {
    const loaded = () => snapshot().filter((m) => (m.state ?? "loaded") === "loaded");
    new Gauge({
      name: "lantern_slots_busy",
      help: "Slots running a job, by model.",
      labelNames: ["model"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const m of loaded()) this.set({ model: m.name }, m.slots - m.freeSlots);
      },
    });
    new Gauge({
      name: "lantern_slots_total",
      help: "Slots (parallel sequences) of each loaded model.",
      labelNames: ["model"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const m of loaded()) this.set({ model: m.name }, m.slots);
      },
    });
  }
}
