import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { MsgHdrs } from "@nats-io/transport-node";
import { injectTraceContext, tracingActive } from "../telemetry/index.js";

/** How a job ended for its caller. */
export type JobOutcome = "done" | "error" | "cancelled";

/** Told the timings of every job a client makes (the gateway turns them into Prometheus series). */
export interface JobObserver {
  /** The first text (or reasoning, or call) of a job arrived, `seconds` after it was queued. */
  firstOutput(model: string, seconds: number): void;
  /** A job ended, `seconds` after it was queued. */
  ended(model: string, seconds: number, outcome: JobOutcome): void;
  /** A job offered first to the worker holding its prompt's prefix was taken by that worker, or by another. */
  affinity?(model: string, outcome: "preferred" | "elsewhere"): void;
}

const TRACER = "@lantern/inference-client";

/**
 * One job from its caller's side: its span (when tracing is on; its context goes out in the job's
 * NATS headers so the worker's spans join the trace) and its timings for the observer.
 */
export class JobWatch {
  private readonly queuedAt = performance.now();
  private readonly span: Span | undefined;
  private firstSeen = false;
  private ended = false;

  constructor(
    private readonly model: string,
    requestId: string,
    private readonly observer: JobObserver | undefined,
  ) {
    if (tracingActive()) {
      this.span = trace.getTracer(TRACER).startSpan(`inference job ${model}`, {
        kind: SpanKind.PRODUCER,
        attributes: { "lantern.model": model, "lantern.request_id": requestId },
      });
    }
  }

  /** Puts this job's trace context into the job message's headers. */
  inject(headers: MsgHdrs): void {
    if (this.span) injectTraceContext(headers, trace.setSpan(context.active(), this.span));
  }

  accepted(workerId: string, attempt: number): void {
    this.span?.addEvent("accepted", { "lantern.worker_id": workerId, "lantern.attempt": attempt });
  }

  firstOutput(): void {
    if (this.firstSeen) return;
    this.firstSeen = true;
    this.observer?.firstOutput(this.model, (performance.now() - this.queuedAt) / 1_000);
    this.span?.addEvent("first output");
  }

  /** The first call counts; later ones (a `finally` after the real end) do nothing. */
  end(outcome: JobOutcome, reason?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.observer?.ended(this.model, (performance.now() - this.queuedAt) / 1_000, outcome);
    if (!this.span) return;
    this.span.setAttribute("lantern.outcome", outcome);
    if (outcome === "error") this.span.setStatus({ code: SpanStatusCode.ERROR, ...(reason ? { message: reason } : {}) });
    this.span.end();
  }
}
