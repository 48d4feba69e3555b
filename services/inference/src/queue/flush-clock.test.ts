import { describe, expect, it } from "vitest";
import { FlushClock } from "./flush-clock.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("FlushClock", () => {
  it("flushes everything scheduled within one interval on the same tick, once each", async () => {
    const clock = new FlushClock(20);
    const ticks: number[] = [];
    const a = () => ticks.push(1);
    const b = () => ticks.push(2);
    clock.schedule(a);
    clock.schedule(b);
    clock.schedule(a);
    expect(ticks).toEqual([]);
    await sleep(60);
    expect(ticks.sort()).toEqual([1, 2]);
  });

  it("does not run a flush that was taken back", async () => {
    const clock = new FlushClock(10);
    let ran = false;
    const flush = () => (ran = true);
    clock.schedule(flush);
    clock.unschedule(flush);
    await sleep(40);
    expect(ran).toBe(false);
  });
});
