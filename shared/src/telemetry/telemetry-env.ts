import { z } from "zod";

const optionalText = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());

/** Env every service reads for tracing and for guarding its `/metrics`. */
export const telemetryEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .preprocess((v) => (v === "" ? undefined : v), z.url().optional())
    .describe("OTLP/HTTP collector for traces, e.g. `http://otel-collector:4318`; unset: tracing is off, at no cost (see [Observability](observability.md))"),
  METRICS_TOKEN: optionalText.describe("when set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>`"),
};

/** Env of a service without an HTTP port: where its metrics and health server listens. */
export const metricsServerEnv = {
  METRICS_PORT: z
    .preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(0).max(65535).optional())
    .describe("port of `/metrics`, `/healthz`, `/readyz`; unset: no server (so workers on one host never collide); `0`: any free port"),
  // All interfaces: the port is opened only on purpose, for a scraper on another host or container.
  METRICS_HOST: z
    .string()
    .default("0.0.0.0")
    .describe("address of that server (set deliberately through `METRICS_PORT`, so open to a scraper elsewhere)"),
};
