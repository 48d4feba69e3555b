import { PRIORITIES } from "@lantern/shared/contracts";
import type { JobObserver, JobOutcome } from "@lantern/shared/inference";
import { createMetricsRegistry, HttpMetrics } from "@lantern/shared/telemetry";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { QueueMonitor } from "../jobs/queue-monitor.js";

const FIRST_OUTPUT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

type HistogramChild = ReturnType<Histogram<string>["labels"]>;

/**
 * The gateway's Prometheus series: requests by route and status, each job's time to first token
 * and whole time by model, and the queues it watches (read from its QueueMonitor at scrape time).
 */
export class GatewayMetrics implements JobObserver {
  readonly registry: Registry;
  readonly http: HttpMetrics;
  private readonly firstToken: Histogram<"model">;
  private readonly duration: Histogram<"model" | "outcome">;
  private readonly affinityJobs: Counter<"model" | "outcome">;
  /** Label children by model (and outcome): an observation is a map look-up, no label hashing. */
  private readonly firstTokenByModel = new Map<string, HistogramChild>();
  private readonly durationByKey = new Map<string, HistogramChild>();

  constructor() {
    this.registry = createMetricsRegistry("gateway");
    this.http = new HttpMetrics(this.registry);
    this.firstToken = new Histogram({
      name: "lantern_time_to_first_token_seconds",
      help: "From queueing a job to its first generated text, by model.",
      labelNames: ["model"],
      buckets: FIRST_OUTPUT_BUCKETS,
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: "lantern_request_duration_seconds",
      help: "From queueing a job to its end (last token, error or cancel), by model and outcome.",
      labelNames: ["model", "outcome"],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.affinityJobs = new Counter({
      name: "lantern_prefix_affinity_total",
      help: "Jobs offered first to the worker holding their prompt's prefix, by model and who took them (preferred or elsewhere).",
      labelNames: ["model", "outcome"],
      registers: [this.registry],
    });
  }

  affinity(model: string, outcome: "preferred" | "elsewhere"): void {
    this.affinityJobs.inc({ model, outcome });
  }

  firstOutput(model: string, seconds: number): void {
    let child = this.firstTokenByModel.get(model);
    if (!child) this.firstTokenByModel.set(model, (child = this.firstToken.labels(model)));
    child.observe(seconds);
  }

  ended(model: string, seconds: number, outcome: JobOutcome): void {
    const key = `${outcome}\u0000${model}`;
    let child = this.durationByKey.get(key);
    if (!child) this.durationByKey.set(key, (child = this.duration.labels(model, outcome)));
    child.observe(seconds);
  }

  /** `lantern_queue_depth` and `lantern_queue_oldest_age_seconds` per model, as the monitor last read them. */
  watchQueues(queues: Pick<QueueMonitor, "all">): void {
    new Gauge({
      name: "lantern_queue_depth",
      help: "Jobs waiting for a worker, by model and priority.",
      labelNames: ["model", "priority"],
      registers: [this.registry],
      // Every gateway process reads the same queues: under GATEWAY_PROCESSES their values are not added up.
      aggregator: "max",
      collect() {
        this.reset();
        for (const q of queues.all()) for (const priority of PRIORITIES) this.set({ model: q.model, priority }, q.waiting[priority]);
      },
    });
    new Gauge({
      name: "lantern_queue_oldest_age_seconds",
      help: "How long the oldest waiting job of a model has waited (0 when none waits).",
      labelNames: ["model"],
      registers: [this.registry],
      aggregator: "max",
      collect() {
        this.reset();
        for (const q of queues.all()) this.set({ model: q.model }, (q.oldestWaitMs ?? 0) / 1_000);
      },
    });
  }
}
