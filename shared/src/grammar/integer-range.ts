import type { GbnfRules } from "./gbnf-rules.js";

/**
 * Grammars for integers between bounds, built digit by digit: the size grows with the number of
 * digits of the bounds, never with the width of the range, so 2^53 is as cheap as 100.
 */

/**
 * A GBNF expression matching exactly the decimal spellings (no sign, no leading zeros, "0" for
 * zero) of the integers n with lo <= n <= hi; `hi` undefined leaves the top open. Safe to place in
 * a sequence.
 */
export function digitsInRange(lo: bigint, hi: bigint | undefined, rules: GbnfRules): string {
  if (lo < 0n) throw new RangeError(`digitsInRange needs lo >= 0, got ${lo}`);
  if (hi !== undefined && lo > hi) throw new RangeError(`empty range: ${lo} > ${hi}`);
  // Adjacent digit literals read better as one: "1" "2" [0-9] is "12" [0-9].
  const alternatives = (hi === undefined ? fromUnbounded(lo) : fromBounded(lo, hi)).map((alternative) => alternative.replaceAll('" "', ""));
  if (alternatives.length === 1) return alternatives[0]!;
  return rules.add(`digits-${lo}-${hi ?? "up"}`, alternatives.join(" | "));
}

/**
 * A GBNF expression matching the JSON integers n with min <= n <= max (either side open): an
 * optional '-', no "-0", no leading zeros, no fraction or exponent.
 */
export function integerInRange(min: bigint | undefined, max: bigint | undefined, rules: GbnfRules): string {
  if (min !== undefined && max !== undefined && min > max) throw new RangeError(`empty integer range: minimum ${min} > maximum ${max}`);
  const alternatives: string[] = [];
  // Negative part, as a magnitude: n in [min, min(max, -1)] is -m with m in [max(-max, 1), -min].
  if (min === undefined || min < 0n) {
    const lo = max !== undefined && max < 0n ? -max : 1n;
    alternatives.push(`"-" ${digitsInRange(lo, min === undefined ? undefined : -min, rules)}`);
  }
  if (max === undefined || max >= 0n) {
    const lo = min !== undefined && min > 0n ? min : 0n;
    alternatives.push(digitsInRange(lo, max, rules));
  }
  if (alternatives.length === 1) return alternatives[0]!;
  return rules.add(`integer-${bound(min)}-${bound(max)}`, alternatives.join(" | "));
}

const bound = (value: bigint | undefined): string => (value === undefined ? "any" : value < 0n ? `neg${-value}` : `${value}`);

/** Alternatives for [lo, hi], one per run of spellings of a common length. */
function fromBounded(lo: bigint, hi: bigint): string[] {
  const loText = lo.toString();
  const hiText = hi.toString();
  if (loText.length === hiText.length) return sameLength(loText, hiText);
  const alternatives = sameLength(loText, highest(loText.length));
  // Lengths strictly between the two are covered whole: one alternative for all of them.
  const fullFrom = loText.length + 1;
  const fullTo = hiText.length - 1;
  if (fullFrom <= fullTo) alternatives.push(`[1-9] ${anyDigits(fullFrom - 1, fullTo - 1)}`.trimEnd());
  alternatives.push(...sameLength(lowest(hiText.length), hiText));
  return alternatives;
}

/** Alternatives for [lo, infinity): lo's own length up to its end, then every longer spelling. */
function fromUnbounded(lo: bigint): string[] {
  const loText = lo.toString();
  if (lo === 0n) return [`"0"`, `[1-9] [0-9]*`];
  const length = loText.length;
  // lo is 1, 10, 100...: every spelling of its length or longer.
  if (loText === lowest(length)) return [`[1-9] ${anyDigits(length - 1, undefined)}`.trimEnd()];
  return [...sameLength(loText, highest(length)), `[1-9] ${anyDigits(length, undefined)}`];
}

/** The lowest spelling of a length: "0" for one digit, else "1" then zeros. */
const lowest = (length: number): string => (length === 1 ? "0" : `1${"0".repeat(length - 1)}`);
const highest = (length: number): string => "9".repeat(length);

/** `[0-9]` repeated between min and max times (max undefined: no limit); "" for exactly zero. */
function anyDigits(min: number, max: number | undefined): string {
  if (max === undefined) return min === 0 ? "[0-9]*" : min === 1 ? "[0-9]+" : `[0-9]{${min},}`;
  if (max === 0) return "";
  if (min === max) return min === 1 ? "[0-9]" : `[0-9]{${min}}`;
  return `[0-9]{${min},${max}}`;
}

function digitClass(from: number, to: number): string {
  if (from === to) return `"${from}"`;
  return from === 0 && to === 9 ? "[0-9]" : `[${from}-${to}]`;
}

/**
 * Alternatives matching the digit strings s of the common length with a <= s <= b (compared as
 * strings, which for equal lengths is numeric order). Each alternative is a plain sequence.
 */
function sameLength(a: string, b: string): string[] {
  let shared = 0;
  while (shared < a.length && a[shared] === b[shared]) shared++;
  const prefix = shared > 0 ? `"${a.slice(0, shared)}" ` : "";
  if (shared === a.length) return [`"${a}"`];
  const first = Number(a[shared]);
  const last = Number(b[shared]);
  const rest = a.length - shared - 1;
  const aTail = a.slice(shared + 1);
  const bTail = b.slice(shared + 1);
  // A tail of all zeros (nines) puts the first (last) digit wholly in the middle run.
  const lowFull = /^0*$/.test(aTail);
  const highFull = /^9*$/.test(bTail);
  const middleFrom = lowFull ? first : first + 1;
  const middleTo = highFull ? last : last - 1;
  const out: string[] = [];
  if (!lowFull) out.push(...atLeast(aTail).map((tail) => `${prefix}"${first}" ${tail}`));
  if (middleFrom <= middleTo) out.push(`${prefix}${digitClass(middleFrom, middleTo)} ${anyDigits(rest, rest)}`.trimEnd());
  if (!highFull) out.push(...atMost(bTail).map((tail) => `${prefix}"${last}" ${tail}`));
  return out;
}

/** Sequences matching the digit strings of t's length that are >= t (t not all zeros). */
function atLeast(t: string): string[] {
  const digit = Number(t[0]);
  const rest = t.slice(1);
  const out = /^0*$/.test(rest) ? [] : atLeast(rest).map((tail) => `"${digit}" ${tail}`);
  const from = /^0*$/.test(rest) ? digit : digit + 1;
  if (from <= 9) out.push(`${digitClass(from, 9)} ${anyDigits(rest.length, rest.length)}`.trimEnd());
  return out;
}

/** Sequences matching the digit strings of t's length that are <= t (t not all nines). */
function atMost(t: string): string[] {
  const digit = Number(t[0]);
  const rest = t.slice(1);
  const out: string[] = [];
  const to = /^9*$/.test(rest) ? digit : digit - 1;
  if (to >= 0) out.push(`${digitClass(0, to)} ${anyDigits(rest.length, rest.length)}`.trimEnd());
  if (!/^9*$/.test(rest)) out.push(...atMost(rest).map((tail) => `"${digit}" ${tail}`));
  return out;
}
