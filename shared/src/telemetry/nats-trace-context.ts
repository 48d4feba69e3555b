import { context, propagation, ROOT_CONTEXT, type Context, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import type { MsgHdrs } from "@nats-io/transport-node";
import { tracingActive } from "./tracing.js";

type Carrier = Pick<MsgHdrs, "get" | "set" | "keys">;

const setter: TextMapSetter<Carrier> = {
  set: (headers, key, value) => headers.set(key, value),
};

const getter: TextMapGetter<Carrier | undefined> = {
  keys: (headers) => headers?.keys() ?? [],
  // nats.js answers "" for a header that is not there; the propagator wants undefined.
  get: (headers, key) => headers?.get(key) || undefined,
};

/** Writes the active span's context (W3C `traceparent`, `tracestate`) into a message's NATS headers. */
export function injectTraceContext(headers: Carrier, from: Context = context.active()): void {
  if (tracingActive()) propagation.inject(from, headers, setter);
}

/** The context a message's NATS headers carry, to parent the spans made for it; the root context when none. */
export function extractTraceContext(headers: Carrier | undefined): Context {
  if (!tracingActive() || !headers) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, getter);
}
