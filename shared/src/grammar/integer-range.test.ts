import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GbnfRules } from "./gbnf-rules.js";
import { gbnfMatches } from "./gbnf-match.js";
import { digitsInRange, integerInRange } from "./integer-range.js";

/** The grammar `root ::= <expr>` with the rules the expression needs. */
function grammarOf(build: (rules: GbnfRules) => string): string {
  const rules = new GbnfRules();
  const expr = build(rules);
  return `root ::= ${expr}\n${rules.toText()}`;
}

const inRange = (n: bigint, min: bigint | undefined, max: bigint | undefined): boolean => (min === undefined || min <= n) && (max === undefined || n <= max);

// Every integer near zero and around the powers of ten the construction splits on.
const CANDIDATES: bigint[] = [];
for (let n = -160n; n <= 160n; n++) CANDIDATES.push(n);
for (const edge of [199n, 200n, 201n, 999n, 1000n, 1001n, 12_345n]) CANDIDATES.push(edge, -edge);

const BOUNDS = [undefined, -150n, -101n, -100n, -99n, -11n, -10n, -9n, -1n, 0n, 1n, 9n, 10n, 11n, 99n, 100n, 101n, 120n, 150n];

describe("integerInRange", () => {
  it("matches exactly the integers between every pair of bounds near zero", () => {
    for (const min of BOUNDS) {
      for (const max of BOUNDS) {
        if (min !== undefined && max !== undefined && min > max) continue;
        const grammar = grammarOf((rules) => integerInRange(min, max, rules));
        const wrong = CANDIDATES.filter((n) => gbnfMatches(grammar, n.toString()) !== inRange(n, min, max));
        expect(wrong, `[${min}, ${max}]:\n${grammar}`).toEqual([]);
      }
    }
  });

  it("matches a single value and nothing else", () => {
    for (const value of [-150n, -10n, -1n, 0n, 1n, 7n, 10n, 100n, 150n]) {
      const grammar = grammarOf((rules) => integerInRange(value, value, rules));
      expect(CANDIDATES.filter((n) => gbnfMatches(grammar, n.toString()))).toEqual([value]);
    }
  });

  it("refuses what is not a plain JSON integer", () => {
    for (const [min, max] of [[undefined, undefined], [-10n, 10n], [0n, 2000n]] as const) {
      const grammar = grammarOf((rules) => integerInRange(min, max, rules));
      for (const text of ["-0", "007", "01", "-01", "1.0", "1e3", "1E3", "+1", " 1", "1 ", "", "-", "--1", "0x1"]) {
        expect(gbnfMatches(grammar, text), `${JSON.stringify(text)} in [${min}, ${max}]`).toBe(false);
      }
      expect(gbnfMatches(grammar, "0")).toBe(true);
      expect(gbnfMatches(grammar, "10")).toBe(true);
    }
  });

  it("throws a RangeError when the minimum is above the maximum", () => {
    expect(() => integerInRange(5n, 4n, new GbnfRules())).toThrow(RangeError);
    expect(() => digitsInRange(5n, 4n, new GbnfRules())).toThrow(RangeError);
    expect(() => digitsInRange(-1n, 4n, new GbnfRules())).toThrow(RangeError);
  });

  it("is exact for random bounds up to ±2^53 and beyond, with grammars that grow with digits only", () => {
    const wide = 2n ** 53n;
    const bound = fc.option(fc.oneof(fc.bigInt({ min: -wide, max: wide }), fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })), { nil: undefined });
    fc.assert(
      fc.property(bound, bound, fc.array(fc.bigInt({ min: -wide * 2n, max: wide * 2n }), { maxLength: 20 }), (a, b, extra) => {
        const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
        const grammar = grammarOf((rules) => integerInRange(min, max, rules));
        // Each alternative is at most one line of digits: a few kilobytes even for 31-digit bounds.
        expect(grammar.length).toBeLessThan(8_000);
        const probes = new Set<bigint>([0n, 1n, -1n, ...extra]);
        for (const edge of [min, max]) {
          if (edge === undefined) continue;
          for (let d = -3n; d <= 3n; d++) probes.add(edge + d);
          // Same-length and one-digit-longer neighbours of each bound.
          const digits = (edge < 0n ? -edge : edge).toString().length;
          for (const p of [10n ** BigInt(digits - 1), 10n ** BigInt(digits), 10n ** BigInt(digits) - 1n]) probes.add(p).add(-p);
        }
        for (const n of probes) {
          if (gbnfMatches(grammar, n.toString()) !== inRange(n, min, max)) throw new Error(`${n} in [${min}, ${max}] wrong:\n${grammar}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("digitsInRange", () => {
  it("spells [0, 120] as runs of equal length", () => {
    const rules = new GbnfRules();
    const name = digitsInRange(0n, 120n, rules);
    expect(rules.toText()).toBe(`${name} ::= [0-9] | [1-9] [0-9] | "1" [0-1] [0-9] | "120"`);
  });

  it("matches exactly the unsigned spellings in a range, open or closed above", () => {
    const unsigned = CANDIDATES.filter((n) => n >= 0n);
    for (const lo of [0n, 1n, 5n, 9n, 10n, 37n, 99n, 100n, 101n, 150n]) {
      for (const hi of [undefined, lo, lo + 1n, 99n, 100n, 160n, 1000n]) {
        if (hi !== undefined && hi < lo) continue;
        const grammar = grammarOf((rules) => digitsInRange(lo, hi, rules));
        const wrong = unsigned.filter((n) => gbnfMatches(grammar, n.toString()) !== inRange(n, lo, hi));
        expect(wrong, `[${lo}, ${hi}]:\n${grammar}`).toEqual([]);
        expect(gbnfMatches(grammar, `0${lo}`)).toBe(false);
        expect(gbnfMatches(grammar, `-${lo}`)).toBe(false);
      }
    }
  });

  it("handles Number.MAX_SAFE_INTEGER with a small grammar", () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const grammar = grammarOf((rules) => digitsInRange(0n, max, rules));
    expect(grammar.length).toBeLessThan(1_000);
    for (const n of [0n, 9n, max, max - 1n, max + 1n, max + 10n, 8_999_999_999_999_999n, 9_007_199_254_740_989n, 10n ** 16n]) {
      expect(gbnfMatches(grammar, n.toString()), n.toString()).toBe(n <= max);
    }
  });
});
