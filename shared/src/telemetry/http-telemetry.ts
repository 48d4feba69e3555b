import type { ServerResponse } from "node:http";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter } from "@opentelemetry/api";
import type { Context as HonoContext, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { Counter, type Registry } from "prom-client";
import { tracingActive } from "./tracing.js";

type CounterChild = ReturnType<Counter<"route" | "status">["labels"]>;

/** `lantern_http_requests_total{route,status}`, by the matched route pattern (never the raw path). */
export class HttpMetrics {
  private readonly requests: Counter<"route" | "status">;
  /** Children by route, then status: a request's count is two map look-ups, no label hashing. */
  private readonly children = new Map<string, Map<number, CounterChild>>();

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: "lantern_http_requests_total",
      help: "HTTP requests answered, by route pattern and status code.",
      labelNames: ["route", "status"],
      registers: [registry],
    });
  }

  count(route: string, status: number): void {
    let byStatus = this.children.get(route);
    if (!byStatus) this.children.set(route, (byStatus = new Map()));
    let child = byStatus.get(status);
    if (!child) byStatus.set(status, (child = this.requests.labels(route, String(status))));
    child.inc();
  }
}

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** The pattern of the route that answered (`/v1/chat/completions`, `/api/custom/:provider/*`). */
function routeOf(c: HonoContext): string {
  return routePath(c, -1) || "unmatched";
}

/** The status the client got: a response written straight to the node response has its own. */
function statusOf(c: HonoContext): number {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  return outgoing?.headersSent ? outgoing.statusCode : c.res.status;
}

/**
 * Counts every request by route and status and, when tracing is on, makes its server span:
 * parented to a `traceparent` the caller sent, active while the handlers run (so job publishes
 * and log lines join it), ended when the response has been sent to the end (streams included).
 * Mount it first, so everything after runs inside the span.
 */
export function httpTelemetry(metrics: HttpMetrics, tracerName: string): MiddlewareHandler {
  return async (c, next) => {
    if (!tracingActive()) {
      await next();
      metrics.count(routeOf(c), statusOf(c));
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const span = trace.getTracer(tracerName).startSpan(`${c.req.method}`, { kind: SpanKind.SERVER, attributes: { "http.request.method": c.req.method, "url.path": c.req.path } }, parent);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw err;
    }
    const route = routeOf(c);
    const status = statusOf(c);
    metrics.count(route, status);
    span.updateName(`${c.req.method} ${route}`);
    span.setAttributes({ "http.route": route, "http.response.status_code": status });
    const requestId = c.get("requestId") as unknown;
    if (typeof requestId === "string") span.setAttribute("lantern.request_id", requestId);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing && !outgoing.writableFinished && !outgoing.destroyed) outgoing.once("close", () => span.end());
    else span.end();
  };
}
