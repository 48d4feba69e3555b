import { describe, expect, it } from "vitest";
import { context, trace } from "@opentelemetry/api";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { waitFor } from "../testing/index.js";
import { extractTraceContext, injectTraceContext } from "./nats-trace-context.js";
import { startTracing, tracingActive } from "./tracing.js";

describe("trace context in NATS headers", () => {
  it("is left out, and nothing is started, without a collector", async () => {
    const tracing = await startTracing({ service: "test", endpoint: undefined });
    expect(tracing.active).toBe(false);
    expect(tracingActive()).toBe(false);
    const headers = natsHeaders();
    injectTraceContext(headers);
    expect(headers.keys()).toEqual([]);
    expect(trace.getSpan(extractTraceContext(headers))).toBeUndefined();
  });

  it("travels as a W3C traceparent and comes back as the parent of the receiver's spans", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({ service: "test", spanProcessors: [new SimpleSpanProcessor(exporter)] });
    try {
      const sender = trace.getTracer("test").startSpan("publish");
      const headers = natsHeaders();
      injectTraceContext(headers, trace.setSpan(context.active(), sender));
      const { traceId, spanId } = sender.spanContext();
      expect(headers.get("traceparent")).toBe(`00-${traceId}-${spanId}-01`);

      const receiver = trace.getTracer("test").startSpan("handle", {}, extractTraceContext(headers));
      receiver.end();
      sender.end();
      // Export waits for the resource's detected attributes.
      await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === "handle"));
      const handled = exporter.getFinishedSpans().find((s) => s.name === "handle")!;
      expect(handled.spanContext().traceId).toBe(traceId);
      expect(handled.parentSpanContext?.spanId).toBe(spanId);
    } finally {
      await tracing.shutdown();
    }
    expect(tracingActive()).toBe(false);
  });
});
