import type { Logger } from "pino";
import type { LogFormat } from "./log-format.js";

/** Set on the root logger; a child (Object.create of its parent in pino) reads it through the prototype. */
const FORMAT = Symbol("lantern.logFormat");

export function markLogFormat(logger: Logger, format: LogFormat): void {
  (logger as unknown as Record<symbol, LogFormat>)[FORMAT] = format;
}

/** The format a logger from createLogger writes; a logger from elsewhere counts as JSON. */
export function logFormatOf(logger: Logger): LogFormat {
  return (logger as unknown as Record<symbol, LogFormat | undefined>)[FORMAT] ?? "json";
}

/**
 * The level of a service's per-request access line. Asked for (`LOG_REQUESTS`), it is `info`;
 * turned off, `debug`. Unset, it follows the format: JSON keeps one `info` line per request for
 * log tools, a terminal (pretty) shows requests only at `debug`, so it is not flooded.
 */
export function requestLogLevel(logger: Logger, logRequests: boolean | undefined): "info" | "debug" {
  if (logRequests !== undefined) return logRequests ? "info" : "debug";
  return logFormatOf(logger) === "pretty" ? "debug" : "info";
}

/** Paths health checks poll (a supervisor, compose, a load balancer): a line each would bury the rest. */
const PROBE_PATHS = new Set(["/healthz", "/readyz", "/api/health", "/state/version"]);

/** The level of one request's access line: `level`, or `debug` for a health probe. */
export function accessLineLevel(level: "info" | "debug", path: string): "info" | "debug" {
  return PROBE_PATHS.has(path) ? "debug" : level;
}
