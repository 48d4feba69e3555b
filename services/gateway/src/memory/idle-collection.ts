import type { Server } from "node:http";
import type { Logger } from "@lantern/shared/logging";

/** How often the gateway looks whether traffic stopped. */
const CHECK_MS = 1_000;
/** Quiet this long after traffic counts as the end of a burst. */
const QUIET_MS = 2_000;
/** Fewer requests than this since the last collection (health probes, a trickle) leave nothing worth collecting. */
const BURST_REQUESTS = 1_000;

type Collect = () => void;

/**
 * Gives memory back once a burst of traffic is over. Under load V8 promotes many short-lived
 * request objects into the old generation and grows it; with no allocation afterwards no
 * collection runs, so the grown heap (and the process RSS) would stay at its peak until the next
 * burst. One major collection at the start of a quiet spell frees that garbage and arms V8's
 * memory reducer, which then returns the freed pages to the system within seconds. It runs only
 * when the process was started with `--expose-gc` (the stack scripts do so), once per burst, and
 * never while requests arrive.
 */
export function collectWhenIdle(server: Server, logger: Logger): () => void {
  const collect = (globalThis as { gc?: Collect }).gc;
  if (!collect) return () => {};
  let requests = 0;
  let seenAtLastCheck = 0;
  let lastActivity = 0;
  let collectedAfter = 0;
  const onRequest = () => void requests++;
  server.on("request", onRequest);
  const timer = setInterval(() => {
    const now = performance.now();
    if (requests !== seenAtLastCheck) {
      seenAtLastCheck = requests;
      lastActivity = now;
      return;
    }
    if (requests - collectedAfter < BURST_REQUESTS || now - lastActivity < QUIET_MS) return;
    collectedAfter = requests;
    const before = process.memoryUsage.rss();
    // No options: on Node 20's V8 an options object such as `{ type: "major" }` runs only a scavenge.
    collect();
    logger.debug({ rssBeforeMiB: Math.round(before / 2 ** 20), rssAfterMiB: Math.round(process.memoryUsage.rss() / 2 ** 20), ms: Math.round(performance.now() - now) }, "collected after traffic stopped");
  }, CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    server.off("request", onRequest);
  };
}
