import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { InferJob } from "@lantern/shared/contracts";
import { extractTraceContext, tracingActive } from "@lantern/shared/telemetry";
import type { JobMessage } from "./job-puller.js";

/** A generation's phases, in milliseconds, ending at `endedAt` (epoch ms). */
interface GenerationPhases {
  promptMs: number;
  generateMs: number;
  promptTokens: number;
  completionTokens: number;
}

/** One job's spans on this worker, children of the caller's job span (from the message's headers). */
export interface JobTrace {
  /** Runs the job with its span active, so its log lines carry the trace id. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Adds the `prompt evaluation` and `generation` spans of a finished generation that ended now. */
  generated(phases: GenerationPhases): void;
  failed(reason: string): void;
  end(): void;
}

const NO_TRACE: JobTrace = {
  run: (work) => work(),
  generated: () => {},
  failed: () => {},
  end: () => {},
};

const TRACER = "@lantern/inference";

/**
 * The job's span, started back at its queueing, with a `queue wait` child up to now (its start
 * here). Off, without allocating, when tracing is off.
 */
export function startJobTrace(msg: JobMessage, job: InferJob, workerId: string): JobTrace {
  if (!tracingActive()) return NO_TRACE;
  const tracer = trace.getTracer(TRACER);
  const enqueuedAt = msg.info.timestampNanos / 1e6;
  const startedAt = Date.now();
  const parent = extractTraceContext(msg.headers);
  const span: Span = tracer.startSpan(
    `inference job ${job.model}`,
    {
      kind: SpanKind.CONSUMER,
      startTime: enqueuedAt,
      attributes: {
        "lantern.model": job.model,
        "lantern.request_id": job.requestId,
        "lantern.worker_id": workerId,
        "lantern.attempt": msg.info.deliveryCount,
      },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  tracer.startSpan("queue wait", { startTime: enqueuedAt }, active).end(startedAt);
  return {
    run: (work) => context.with(active, work),
    generated(phases) {
      const endedAt = Date.now();
      const firstTokenAt = endedAt - phases.generateMs;
      tracer
        .startSpan("prompt evaluation", { startTime: firstTokenAt - phases.promptMs, attributes: { "lantern.prompt_tokens": phases.promptTokens } }, active)
        .end(firstTokenAt);
      tracer
        .startSpan("generation", { startTime: firstTokenAt, attributes: { "lantern.completion_tokens": phases.completionTokens } }, active)
        .end(endedAt);
    },
    failed(reason) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    },
    end() {
      span.end();
    },
  };
}
