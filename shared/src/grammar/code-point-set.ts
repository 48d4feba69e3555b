/**
 * Sets of Unicode code points as sorted, disjoint, non-adjacent inclusive ranges: what a regex
 * character class denotes, small however wide the class.
 */
export type CodePointSet = readonly (readonly [number, number])[];

export const MAX_CODE_POINT = 0x10ffff;
export const ALL_CODE_POINTS: CodePointSet = [[0, MAX_CODE_POINT]];

/** The set of the given ranges (each [from, to], from <= to), in any order, overlapping or not. */
export function codePointSet(ranges: Iterable<readonly [number, number]>): CodePointSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

export const singleCodePoint = (codePoint: number): CodePointSet => [[codePoint, codePoint]];

export const union = (a: CodePointSet, b: CodePointSet): CodePointSet => codePointSet([...a, ...b]);

export function complement(set: CodePointSet): CodePointSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [from, to] of set) {
    if (from > next) out.push([next, from - 1]);
    next = to + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const intersect = (a: CodePointSet, b: CodePointSet): CodePointSet => complement(union(complement(a), complement(b)));

export const subtract = (a: CodePointSet, b: CodePointSet): CodePointSet => intersect(a, complement(b));

export const contains = (set: CodePointSet, codePoint: number): boolean => set.some(([from, to]) => from <= codePoint && codePoint <= to);

/** The one code point of a set of exactly one, else undefined. */
export function soleCodePoint(set: CodePointSet): number | undefined {
  const only = set.length === 1 ? set[0] : undefined;
  return only !== undefined && only[0] === only[1] ? only[0] : undefined;
}
