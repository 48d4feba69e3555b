import { describe, expect, it } from "vitest";
import { cosineSimilarity } from "./cosine-similarity.js";

describe("cosineSimilarity", () => {
  it("is 1 for the same direction, -1 for the opposite, 0 at right angles", () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
  });

  it("never leaves [-1, 1] through rounding, and is 0 against a zero vector", () => {
    const v = [0.1, 0.7, -0.3, 0.2, 0.9, -0.05];
    expect(cosineSimilarity(v, v)).toBeLessThanOrEqual(1);
    expect(cosineSimilarity(v, [0, 0, 0, 0, 0, 0])).toBe(0);
  });

  it("refuses vectors of different sizes", () => {
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(/2 and 3 dimensions/);
  });
});
