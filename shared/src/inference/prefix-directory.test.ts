import { describe, expect, it } from "vitest";
import type { PrefixHoldings, SlotHoldings } from "../contracts/index.js";
import { PrefixDirectory } from "./prefix-directory.js";

let now = 1_000;
const directory = () => new PrefixDirectory({ forgetAfterMs: 5_000, now: () => now });
const holdings = (workerId: string, ...slots: SlotHoldings[]): PrefixHoldings => ({ v: 1, workerId, model: "m", at: now, slots });
const free = (...digests: string[]): SlotHoldings => ({ busy: false, digests });
const busy = (...digests: string[]): SlotHoldings => ({ busy: true, digests });

describe("the worker a job is offered to first", () => {
  it("is the one whose free slot holds the deepest part of the prompt's chain", () => {
    const d = directory();
    d.note(holdings("w1", free("a", "b"), free()));
    d.note(holdings("w2", free("a", "b", "c")));
    expect(d.preferredWorker("m", ["a", "b", "c", "d"])).toEqual({ workerId: "w2", depth: 3 });
    // Both hold "a": w1 has more free slots.
    expect(d.preferredWorker("m", ["a", "x"])).toEqual({ workerId: "w1", depth: 1 });
    expect(d.preferredWorker("m", ["z"])).toBeUndefined();
    expect(d.preferredWorker("other", ["a"])).toBeUndefined();
    expect(d.hasHolders("m")).toBe(true);
    expect(d.hasHolders("other")).toBe(false);
  });

  it("is never a worker whose holding slot is busy, nor one that stopped or went silent", () => {
    const d = directory();
    d.note(holdings("w1", busy("a", "b", "c"), free("a")));
    d.note(holdings("w2", free("a", "b")));
    expect(d.preferredWorker("m", ["a", "b", "c"])?.workerId).toBe("w2");
    // A worker that stops announces no slots.
    d.note(holdings("w2"));
    expect(d.preferredWorker("m", ["a", "b", "c"])).toEqual({ workerId: "w1", depth: 1 });
    now += 6_000;
    expect(d.preferredWorker("m", ["a", "b", "c"])).toBeUndefined();
  });

  it("on equal depth, is the worker with more free slots", () => {
    const d = directory();
    d.note(holdings("w1", free("a"), busy()));
    d.note(holdings("w2", free("a"), free()));
    expect(d.preferredWorker("m", ["a"])?.workerId).toBe("w2");
  });
});
