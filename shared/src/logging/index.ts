import { trace } from "@opentelemetry/api";
import { pino, type Logger, type LoggerOptions } from "pino";
import { chooseLogFormat, wantsColour, type LogFormat, type LogStream } from "./log-format.js";
import { prettyDestination } from "./pretty-destination.js";
import { censorChildBindings, withoutSecrets } from "./redaction.js";
import { markLogFormat } from "./request-log-level.js";

export type { Logger } from "pino";
export { chooseLogFormat, wantsColour, type LogFormat } from "./log-format.js";
export { accessLineLevel, logFormatOf, requestLogLevel } from "./request-log-level.js";

interface CreateLoggerOptions {
  service: string;
  level?: LoggerOptions["level"];
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream & LogStream;
  /** Unset: pretty when the destination is a terminal, JSON otherwise (LOG_FORMAT). */
  format?: LogFormat;
  /** Colour of pretty lines; unset: from the destination and NO_COLOR / FORCE_COLOR. */
  colour?: boolean;
}

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

/**
 * One line per event: JSON, or a readable line on a terminal (see docs/logging.md). Keys, tokens
 * and auth headers never reach the output in either format: redaction runs before formatting.
 */
export function createLogger({ service, level = "info", destination, format, colour }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    mixin: traceFields,
    // Lines outside a span keep their own object: nothing to merge, nothing to copy.
    mixinMergeStrategy: (fields, mixed) => (mixed === NO_FIELDS ? fields : Object.assign(mixed, fields)),
    formatters: { log: withoutSecrets, bindings: withoutSecrets },
  };
  const target: LogStream = destination ?? process.stdout;
  const chosen = chooseLogFormat(format, target);
  let logger: Logger;
  if (chosen === "pretty") {
    const out = destination ?? pino.destination({ dest: 1, sync: true });
    // The supervisor puts `[gateway]` before each line of the process it started for a service.
    const showService = process.env.LANTERN_SUPERVISED_AS !== service;
    logger = pino(options, prettyDestination(out, colour ?? wantsColour(target), showService));
  } else {
    logger = destination ? pino(options, destination) : pino(options);
  }
  censorChildBindings(logger);
  markLogFormat(logger, chosen);
  return logger;
}
