import { expect, it } from "vitest";
import { RestartBackoff } from "./backoff.js";

const options = { initialMs: 1_000, maxMs: 8_000, healthyAfterMs: 60_000 };

it("doubles the delay after each quick failure, up to the cap", () => {
  const backoff = new RestartBackoff(options);
  expect([1, 2, 3, 4, 5, 6].map(() => backoff.delayAfter(100))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
});

it("starts again from the first delay after a run long enough to count as healthy", () => {
  const backoff = new RestartBackoff(options);
  backoff.delayAfter(100);
  backoff.delayAfter(100);
  expect(backoff.delayAfter(59_999)).toBe(4_000);
  expect(backoff.delayAfter(60_000)).toBe(1_000);
  expect(backoff.delayAfter(100)).toBe(2_000);
});
