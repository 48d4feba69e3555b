import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../logging/index.js";
import { collectWhenIdle, type Activity } from "./idle-collection.js";

describe("collectWhenIdle", () => {
  const globals = globalThis as { gc?: () => void };
  const original = globals.gc;
  let collections: number;
  let work: number;
  let stop: () => void;

  /** Starts watching `activity`-shaped work counted in `work`. */
  const watch = (shape: Omit<Activity, "done">) => {
    stop = collectWhenIdle({ ...shape, done: () => work }, createLogger({ service: "test", level: "silent" }));
  };
  /** Past the collections of what starting left. */
  const started = () => {
    vi.advanceTimersByTime(10_000);
    collections = 0;
  };
  /** `amount` of work in each of `seconds` seconds. */
  const busy = (seconds: number, amount: number) => {
    for (let s = 0; s < seconds; s++) {
      work += amount;
      vi.advanceTimersByTime(1_000);
    }
  };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "performance"] });
    collections = 0;
    work = 0;
    globals.gc = () => void collections++;
  });

  afterEach(() => {
    stop();
    globals.gc = original;
    vi.useRealTimers();
  });

  describe("with work counted in requests", () => {
    beforeEach(() => watch({ burst: 1_000, quietBelow: 1 }));

    it("collects what starting left once the process is quiet, then only after bursts", () => {
      vi.advanceTimersByTime(1_000);
      expect(collections).toBe(0);
      vi.advanceTimersByTime(2_000);
      expect(collections).toBe(1);
      vi.advanceTimersByTime(60_000);
      expect(collections).toBe(2);
    });

    it("collects once when a burst ends and once more a few seconds later, to shrink the young generation", () => {
      started();
      work += 1_000;
      vi.advanceTimersByTime(1_000);
      expect(collections).toBe(0);
      vi.advanceTimersByTime(3_000);
      expect(collections).toBe(1);
      vi.advanceTimersByTime(6_000);
      expect(collections).toBe(2);
      vi.advanceTimersByTime(60_000);
      expect(collections).toBe(2);
    });

    it("never collects while requests arrive, and puts the second collection off while they do", () => {
      started();
      work += 1_000;
      busy(10, 10);
      expect(collections).toBe(0);
      vi.advanceTimersByTime(4_000);
      expect(collections).toBe(1);
      busy(10, 10);
      expect(collections).toBe(1);
      vi.advanceTimersByTime(7_000);
      expect(collections).toBe(2);
      // A hundred requests since are no burst: nothing more to collect.
      vi.advanceTimersByTime(60_000);
      expect(collections).toBe(2);
    });

    it("leaves a trickle of requests alone", () => {
      started();
      work += 999;
      vi.advanceTimersByTime(30_000);
      expect(collections).toBe(0);
    });
  });

  describe("with work measured in CPU milliseconds", () => {
    beforeEach(() => {
      watch({ burst: 2_000, quietBelow: 50 });
      started();
    });

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
});
