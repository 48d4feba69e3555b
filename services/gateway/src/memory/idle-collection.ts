import type { Server } from "node:http";
import type { Logger } from "@lantern/shared/logging";

/** How often the gateway looks whether traffic stopped. */
const CHECK_MS = 1_000;
/** Quiet this long after traffic counts as the end of a burst. */
const QUIET_MS = 2_000;
/**
 * Quiet this long after the first collection before the second: V8 judges its allocation rate
 * over the last few seconds, and only a low one lets a collection shrink the young generation
 * (3 s sufficed in trials, 2 s did not).
 */
const SHRINK_AFTER_MS = 5_000;
/** Fewer requests than this since the last collection (health probes, a trickle) leave nothing worth collecting. */
const BURST_REQUESTS = 1_000;

type Collect = () => void;

/**
 * Gives memory back once a burst of traffic is over. Under load V8 promotes many short-lived
 * request objects into the old generation and grows it, and grows the young generation up to
 * `--max-semi-space-size`; with no allocation afterwards no collection runs, so the process RSS
 * would stay at its peak until the next burst. One major collection at the start of a quiet spell
 * frees that garbage and arms V8's memory reducer, which then returns the freed pages to the
 * system within seconds; a second one, once V8 has seen the allocation rate fall, shrinks the
 * young generation back to its minimum. They run only when the process was started with
 * `--expose-gc` (the stack scripts do so), once each per burst (and once for what starting left),
 * and never while requests arrive.
 */
export function collectWhenIdle(server: Server, logger: Logger): () => void {
  const collect = (globalThis as { gc?: Collect }).gc;
  if (!collect) return () => {};
  let requests = 0;
  let seenAtLastCheck = 0;
  let lastActivity = performance.now();
  let collectedAfter = 0;
  // Starting leaves garbage too (16-20 MiB of the gateway's idle RSS): the first quiet spell collects it as after a burst.
  let started = false;
  let shrinkDueAt: number | undefined;
  const onRequest = () => void requests++;
  server.on("request", onRequest);
  const collectNow = (why: string) => {
    const started = performance.now();
    const before = process.memoryUsage.rss();
    // No options: on Node 20's V8 an options object such as `{ type: "major" }` runs only a scavenge.
    collect();
    logger.debug({ rssBeforeMiB: Math.round(before / 2 ** 20), rssAfterMiB: Math.round(process.memoryUsage.rss() / 2 ** 20), ms: Math.round(performance.now() - started) }, why);
  };
  const timer = setInterval(() => {
    const now = performance.now();
    if (requests !== seenAtLastCheck) {
      seenAtLastCheck = requests;
      lastActivity = now;
      // Traffic puts the second collection off: V8 shrinks nothing while allocating.
      if (shrinkDueAt !== undefined) shrinkDueAt = now + SHRINK_AFTER_MS;
      return;
    }
    if (shrinkDueAt !== undefined && now >= shrinkDueAt) {
      shrinkDueAt = undefined;
      collectNow("collected again to shrink the young generation");
      return;
    }
    if ((started && requests - collectedAfter < BURST_REQUESTS) || now - lastActivity < QUIET_MS) return;
    collectedAfter = requests;
    collectNow(started ? "collected after traffic stopped" : "collected what starting left");
    started = true;
    shrinkDueAt = performance.now() + SHRINK_AFTER_MS;
  }, CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    server.off("request", onRequest);
  };
}
