import { describe, expect, it } from "vitest";
import type { Token } from "node-llama-cpp";
import { SlotPool } from "./slot-pool.js";

const tokens = (...ids: number[]) => ids as Token[];
const holding = (...caches: number[][]) => new SlotPool(caches.map((ids) => ({ contextTokens: tokens(...ids) })));

describe("the slot a job gets", () => {
  it("is the free one whose cache shares the longest prefix with its prompt", () => {
    const pool = holding([1, 2, 9], [1, 2, 3, 4, 7], [5, 6]);
    const lease = pool.take(tokens(1, 2, 3, 4, 5));
    expect(lease.slot.index).toBe(1);
    expect(lease.sharedTokens).toBe(4);
    // That slot is busy now: the next best is taken.
    expect(pool.take(tokens(1, 2, 3, 4, 5)).slot.index).toBe(0);
    expect(pool.freeSlots).toBe(1);
  });

  it("goes to the least recently used slot on a miss or a tie", () => {
    const pool = holding([], [], []);
    const order = [0, 1, 2].map(() => pool.take(tokens(1)).slot);
    // Released in the order 2, 0, 1: slot 2 is now the least recently used.
    for (const i of [2, 0, 1]) pool.release(order.find((s) => s.index === i)!);
    expect(pool.take(tokens(8, 8)).slot.index).toBe(2);
    expect(pool.take(tokens(8, 8)).slot.index).toBe(0);
  });
});
