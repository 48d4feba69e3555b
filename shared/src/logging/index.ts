import { trace } from "@opentelemetry/api";
import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

interface CreateLoggerOptions {
  service: string;
  level?: LoggerOptions["level"];
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/** Secret-bearing fields; censored at the top of a line, one level down, and in a `headers` object one level down. */
const SECRET_FIELDS = [
  "authorization",
  "Authorization",
  "apiKey",
  "api_key",
  "adminToken",
  "ADMIN_TOKEN",
  "HF_TOKEN",
  "hfToken",
  "METRICS_TOKEN",
  "secret",
  "webhookSecret",
  "webhook_secret",
  "password",
];

const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.headers.${f}`]),
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'req.headers["x-api-key"]',
];

const NO_FIELDS = Object.freeze({});

/**
 * The active span's ids, so a line can be found from its trace and back. With tracing off the
 * API has no active span and this is one look-up that returns a shared empty object.
 */
function traceFields(): object {
  const span = trace.getActiveSpan();
  if (!span) return NO_FIELDS;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/** JSON logs, one line per event; keys, tokens and auth headers never reach the output. */
export function createLogger({ service, level = "info", destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    mixin: traceFields,
    // Lines outside a span keep their own object: nothing to merge, nothing to copy.
    mixinMergeStrategy: (fields, mixed) => (mixed === NO_FIELDS ? fields : Object.assign(mixed, fields)),
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
