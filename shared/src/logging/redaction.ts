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

/** pino redact paths: applied before a line is written, so both formats only ever see the censored value. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.headers.${f}`]),
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'req.headers["x-api-key"]',
];

export const REDACTED = "[redacted]";
