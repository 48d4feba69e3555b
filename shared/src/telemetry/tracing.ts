import { context, propagation, trace } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";

interface TracingOptions {
  /** `service.name` of every span this process makes. */
  service: string;
  /**
   * OTLP/HTTP collector base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). Unset, and without
   * `spanProcessors`, tracing stays off: the SDK is never loaded and the API's no-op tracer answers.
   */
  endpoint?: string | undefined;
  /** Where spans go instead of OTLP (tests pass an in-memory exporter's processor). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  readonly active: boolean;
  /** Flushes spans still buffered and turns tracing off again. */
  shutdown(): Promise<void>;
}

let active = false;

/**
 * Whether spans are being recorded in this process. Hot paths test it before making a span or a
 * context, so tracing that is off costs them one branch.
 */
export function tracingActive(): boolean {
  return active;
}

const OFF: Tracing = { active: false, shutdown: async () => {} };

/**
 * Starts the OpenTelemetry SDK for traces only: W3C trace context propagation, an
 * AsyncLocalStorage context manager, and OTLP/HTTP export (the exporter reads the standard
 * `OTEL_EXPORTER_OTLP_*` variables for headers, timeouts and a traces-only URL).
 * Prometheus serves the metrics and pino the logs, so the SDK's own metric and log exporters stay off.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (active) throw new Error("tracing is already started in this process");
  if (!options.endpoint && !options.spanProcessors?.length) return OFF;
  // Loaded only when tracing is on: a service without a collector never pays for the SDK.
  const { NodeSDK } = await import("@opentelemetry/sdk-node");
  const exportTo = options.spanProcessors?.length
    ? { spanProcessors: options.spanProcessors }
    : // Batched, tuned by the standard OTEL_BSP_* variables.
      { traceExporter: new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter() };
  const sdk = new NodeSDK({
    serviceName: options.service,
    ...exportTo,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  active = true;
  let stopped: Promise<void> | undefined;
  return {
    active: true,
    shutdown() {
      stopped ??= (async () => {
        active = false;
        await sdk.shutdown().catch(() => {});
        // The API's globals outlive the SDK: drop them, so this process runs untraced again.
        trace.disable();
        context.disable();
        propagation.disable();
      })();
      return stopped;
    },
  };
}
