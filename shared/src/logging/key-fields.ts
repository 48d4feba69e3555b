/** Keys a pretty line shows in its own places (time, level, name, message, stack) or leaves to JSON (trace ids). */
const LINE_KEYS = new Set(["level", "time", "msg", "pid", "hostname", "service", "component", "traceId", "spanId"]);

/** Longer values are cut: a line per event stays a line, however large the object logged. */
const MAX_VALUE_CHARS = 80;
const BARE_VALUE = /^[A-Za-z0-9_.:/@+,%#~-]+$/;

function shorten(text: string): string {
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS - 1)}…`;
}

function shortValue(value: unknown): string {
  if (typeof value === "string") return shorten(BARE_VALUE.test(value) ? value : JSON.stringify(value));
  if (value === null || typeof value !== "object") return String(value);
  return shorten(JSON.stringify(value));
}

interface LoggedError {
  message?: unknown;
  stack?: unknown;
  code?: unknown;
}

/** `key=value` for each field of a pino line beyond the standard ones; an error shows its message and code (its stack goes below the line). */
export function keyFields(log: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(log)) {
    if (LINE_KEYS.has(key) || value === undefined) continue;
    if (key === "err" && value !== null && typeof value === "object") {
      const err = value as LoggedError;
      if (err.message !== undefined) parts.push(`err=${shortValue(err.message)}`);
      if (err.code !== undefined) parts.push(`code=${shortValue(err.code)}`);
      continue;
    }
    parts.push(`${key}=${shortValue(value)}`);
  }
  return parts.join(" ");
}

/** The error's stack (causes included, as pino's serializer writes it), indented under its line; empty without one. */
export function errorStack(log: Record<string, unknown>): string {
  const stack = (log.err as LoggedError | undefined)?.stack;
  if (typeof stack !== "string") return "";
  return `${stack
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n")}\n`;
}
