import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../logging/index.js";
import { collectWhenIdle } from "./idle-collection.js";

describe("collectWhenIdle with work measured in CPU milliseconds", () => {
  const globals = globalThis as { gc?: () => void };
  const original = globals.gc;
  let collections: number;
  let cpuMs: number;
  let stop: () => void;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "performance"] });
    collections = 0;
    cpuMs = 0;
    globals.gc = () => void collections++;
    stop = collectWhenIdle({ done: () => cpuMs, burst: 2_000, quietBelow: 50 }, createLogger({ service: "test", level: "silent" }));
    // Past the collections of what starting left.
    vi.advanceTimersByTime(10_000);
    collections = 0;
  });

  afterEach(() => {
    stop();
    globals.gc = original;
    vi.useRealTimers();
  });

  /** `ms` of CPU in each of `seconds` seconds. */
  const busy = (seconds: number, ms: number) => {
    for (let s = 0; s < seconds; s++) {
      cpuMs += ms;
      vi.advanceTimersByTime(1_000);
    }
  };

  it("counts a little CPU (timers, heartbeats) as quiet, and collects after a burst of it", () => {
    busy(5, 800);
    expect(collections).toBe(0);
    busy(3, 20);
    expect(collections).toBe(1);
    busy(60, 20);
    expect(collections).toBe(2);
  });

  it("leaves work that never adds up to a burst alone", () => {
    busy(30, 60);
    busy(60, 10);
    expect(collections).toBe(0);
  });
});
