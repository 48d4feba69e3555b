import { Writable } from "node:stream";
import { createLogger, type Logger } from "@lantern/shared/logging";

/** A real pino logger whose JSON lines a test can read back. */
export function capturingLogger(service: string): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ service, level: "info", destination }), lines };
}
