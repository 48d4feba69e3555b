import type { Logger } from "pino";

/** How often the process looks whether its work stopped. */
const CHECK_MS = 1_000;
/** Quiet this long after work counts as the end of a burst. */
const QUIET_MS = 2_000;
/**
 * Quiet this long after the first collection before the second: V8 judges its allocation rate
 * over the last few seconds, and only a low one lets a collection shrink the young generation
 * (3 s sufficed in trials, 2 s did not).
 */
const SHRINK_AFTER_MS = 5_000;

/** What a process counts as its work, to tell a burst from quiet. */
export interface Activity {
  /** A count that grows with the work done: requests served, CPU milliseconds spent. */
  done(): number;
  /** This much work since the last collection leaves garbage worth collecting after. */
  burst: number;
  /** Less growth than this in one check counts as quiet (a probe, a heartbeat). */
  quietBelow: number;
}

/** The CPU time this process spends, in milliseconds: 2 s of it is a burst, under 5% of a core is quiet. */
export function cpuActivity(): Activity {
  return {
    done: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1_000;
    },
    burst: 2_000,
    quietBelow: CHECK_MS * 0.05,
  };
}

type Collect = () => void;

/**
 * Gives memory back once a burst of work is over. Under load V8 promotes many short-lived objects
 * into the old generation and grows it, and grows the young generation; with no allocation
 * afterwards no collection runs, so the process RSS would stay at its peak until the next burst.
 * One major collection at the start of a quiet spell frees that garbage and arms V8's memory
 * reducer, which then returns the freed pages to the system within seconds; a second one, once V8
 * has seen the allocation rate fall, shrinks the young generation back to its minimum. Starting
 * counts as a burst (it leaves garbage too). They run only when the process was started with
 * `--expose-gc` (the stack scripts do so), once each per burst, and never while work goes on.
 */
export function collectWhenIdle(activity: Activity, logger: Logger): () => void {
  const collect = (globalThis as { gc?: Collect }).gc;
  if (!collect) return () => {};
  let seenAtLastCheck = activity.done();
  // Only busy checks count towards a burst: a quiet process's trickle (timers, heartbeats) never adds up to one.
  let workSinceCollection = 0;
  let lastActivity = performance.now();
  let started = false;
  let shrinkDueAt: number | undefined;
  const collectNow = (why: string) => {
    const startedAt = performance.now();
    const before = process.memoryUsage.rss();
    // No options: on Node 20's V8 an options object such as `{ type: "major" }` runs only a scavenge.
    collect();
    logger.debug({ rssBeforeMiB: Math.round(before / 2 ** 20), rssAfterMiB: Math.round(process.memoryUsage.rss() / 2 ** 20), ms: Math.round(performance.now() - startedAt) }, why);
  };
  const timer = setInterval(() => {
    const now = performance.now();
    const done = activity.done();
    const grew = done - seenAtLastCheck;
    seenAtLastCheck = done;
    if (grew >= activity.quietBelow) {
      workSinceCollection += grew;
      lastActivity = now;
      // Work puts the second collection off: V8 shrinks nothing while allocating.
      if (shrinkDueAt !== undefined) shrinkDueAt = now + SHRINK_AFTER_MS;
      return;
    }
    if (shrinkDueAt !== undefined && now >= shrinkDueAt) {
      shrinkDueAt = undefined;
      collectNow("collected again to shrink the young generation");
      return;
    }
    if ((started && workSinceCollection < activity.burst) || now - lastActivity < QUIET_MS) return;
    workSinceCollection = 0;
    collectNow(started ? "collected after work stopped" : "collected what starting left");
    started = true;
    shrinkDueAt = performance.now() + SHRINK_AFTER_MS;
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
