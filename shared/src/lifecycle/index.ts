import type { Logger } from "pino";
import { ConfigError } from "../config/index.js";
export { collectWhenIdle, cpuActivity, type Activity } from "./idle-collection.js";

/** Loads a service's config; a bad value prints what to fix and exits 1 instead of a stack trace. */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** On the first SIGINT or SIGTERM, runs `stop` once, then exits 0 (1 if stopping failed). */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "unclean stop");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** Stops accepting connections, lets open requests finish for up to `graceMs`, then cuts what is left. */
export async function closeHttpServer(server: import("node:http").Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
