import { z } from "zod";

const optionalText = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());

/** Env every service reads for tracing and for guarding its `/metrics`. */
export const telemetryEnv = {
  /** OTLP/HTTP collector, e.g. `http://otel-collector:4318`; unset: tracing is off, at no cost. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  /** When set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: optionalText,
};

/** Env of a service without an HTTP port: where its metrics and health server listens. */
export const metricsServerEnv = {
  /** Port of `/metrics`, `/healthz`, `/readyz`; unset: no server (so workers on one host never collide); 0: any free port. */
  METRICS_PORT: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  /** All interfaces: the port is opened deliberately (METRICS_PORT), for a scraper on another host or container. */
  METRICS_HOST: z.string().default("0.0.0.0"),
};
