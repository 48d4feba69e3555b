import { prettyFactory } from "pino-pretty";
import { errorStack, keyFields } from "./key-fields.js";

/** Anything lines can be written to: a SonicBoom on stdout, process.stderr, a test's stream. */
export interface TextSink {
  write(text: string): unknown;
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** What pino-pretty gets: the name and the key fields already put into words, nothing left to dump as an object. */
function readableEvent(log: Record<string, unknown>, showService: boolean): Record<string, unknown> {
  const service = typeof log.service === "string" && showService ? log.service : undefined;
  const component = typeof log.component === "string" && log.component !== log.service ? log.component : undefined;
  return {
    level: log.level,
    time: log.time,
    name: service && component ? `${service}/${component}` : (service ?? component),
    msg: log.msg ?? "",
    fields: keyFields(log),
  };
}

/**
 * A pino destination that writes each JSON line as one readable line:
 * `[12:04:05.123] INFO (gateway/http): request method=GET path=/v1/models status=200 ms=3`.
 * Under the supervisor, which puts `[gateway]` before each line, `showService` is false and the
 * name shows only a component: `[gateway] [12:04:05.123] INFO (http): request …`.
 * It formats in the calling thread and writes at once, so lines keep their order against the
 * process's other output and nothing is lost on exit (pino's worker-thread transport would cost
 * a thread's memory and reorder them).
 */
export function prettyDestination(out: TextSink, colour: boolean, showService = true): { write(line: string): void } {
  const prettify = prettyFactory({
    colorize: colour,
    translateTime: "SYS:HH:MM:ss.l",
    // Every field is already in the message: no object below the line.
    hideObject: true,
    messageFormat: (log, messageKey, _levelLabel, { colors }) => {
      // Control characters in a message (a model's name, a client's text) would break the line or drive the terminal.
      const message = String(log[messageKey] ?? "").replace(CONTROL_CHARACTERS, " ");
      const fields = typeof log.fields === "string" ? log.fields : "";
      return fields ? `${message} ${colors.gray(fields)}` : message;
    },
  });
  return {
    write(line: string) {
      let log: Record<string, unknown>;
      try {
        log = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      out.write(`${prettify(readableEvent(log, showService))}${errorStack(log)}`);
    },
  };
}
