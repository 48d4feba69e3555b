import { digitsInRange, integerInRange } from "./integer-range.js";
import { UnsupportedSchemaError } from "./json-schema-keywords.js";
import { primitive } from "./json-primitives.js";
import type { GbnfRules } from "./gbnf-rules.js";

/** One side of a numeric range: the bound and whether the bound itself is excluded. */
interface Bound {
  value: number;
  exclusive: boolean;
}

/** Reads `minimum`/`exclusiveMinimum` (or the maximum pair) in both the 2020 and the draft-04 spelling. */
function boundOf(node: Record<string, unknown>, side: "min" | "max", path: string): Bound | undefined {
  const [inclusiveKey, exclusiveKey] = side === "min" ? ["minimum", "exclusiveMinimum"] : ["maximum", "exclusiveMaximum"];
  const inclusive = node[inclusiveKey];
  const exclusive = node[exclusiveKey];
  for (const [key, value] of [[inclusiveKey, inclusive], [exclusiveKey, exclusive]] as const) {
    if (value !== undefined && typeof value !== "number" && typeof value !== "boolean") {
      throw new UnsupportedSchemaError(path, key, "must be a number");
    }
  }
  const candidates: Bound[] = [];
  if (typeof inclusive === "number") candidates.push({ value: inclusive, exclusive: exclusive === true });
  if (typeof exclusive === "number") candidates.push({ value: exclusive, exclusive: true });
  if (candidates.length === 0) return undefined;
  // Both given: the tighter one holds.
  const tighter = (a: Bound, b: Bound) => {
    if (a.value === b.value) return a.exclusive ? a : b;
    return (side === "min" ? a.value > b.value : a.value < b.value) ? a : b;
  };
  return candidates.reduce(tighter);
}

/** An integer with `minimum`/`maximum` (inclusive or exclusive, any real bound) and `multipleOf: 1`. */
export function boundedInteger(rules: GbnfRules, node: Record<string, unknown>, path: string): string {
  if (node.multipleOf !== undefined && node.multipleOf !== 1) {
    throw new UnsupportedSchemaError(path, "multipleOf", "only 'multipleOf: 1' can be enforced on integers");
  }
  const min = boundOf(node, "min", path);
  const max = boundOf(node, "max", path);
  if (!min && !max) return primitive(rules, "integer");
  const lo = min ? BigInt(min.exclusive ? Math.floor(min.value) + 1 : Math.ceil(min.value)) : undefined;
  const hi = max ? BigInt(max.exclusive ? Math.ceil(max.value) - 1 : Math.floor(max.value)) : undefined;
  if (lo !== undefined && hi !== undefined && lo > hi) {
    throw new UnsupportedSchemaError(path, "minimum", "no integer lies between the bounds");
  }
  return `(${integerInRange(lo, hi, rules)})`;
}

const ANY_FRACTION = `("." [0-9]{1,16})?`;
const ZERO_FRACTION = `("." "0"{1,16})?`;
const NONZERO_FRACTION = `"." [0-9]{0,15} [1-9]`;

/**
 * A number (no exponent) between whole-number bounds. Written as a magnitude `n.f` with a sign:
 * each bound turns into a range for the whole part `n`, plus the single whole part at the bound
 * where only a zero (or only a non-zero) fraction stays inside.
 */
export function boundedNumber(rules: GbnfRules, node: Record<string, unknown>, path: string): string {
  const min = boundOf(node, "min", path);
  const max = boundOf(node, "max", path);
  if (!min && !max) return primitive(rules, "number");
  for (const [bound, key] of [[min, "minimum"], [max, "maximum"]] as const) {
    if (bound && !Number.isSafeInteger(bound.value)) {
      throw new UnsupportedSchemaError(path, key, "a bound on a non-integer number must be a whole number to be enforced");
    }
  }
  if (min && max && (min.value > max.value || (min.value === max.value && (min.exclusive || max.exclusive)))) {
    throw new UnsupportedSchemaError(path, "minimum", "no number lies between the bounds");
  }
  const alternatives: string[] = [];
  // Non-negative values: n.f with lower bound max(min, 0) and the upper bound as given.
  if (!max || max.value > 0 || (max.value === 0 && !max.exclusive)) {
    const lower: Bound = !min || min.value < 0 ? { value: 0, exclusive: false } : min;
    alternatives.push(...magnitudes(rules, lower, max));
  }
  // Negative values: -(n.f) with magnitude above -max (or above 0) and at most -min.
  if (!min || min.value < 0) {
    const lower: Bound = max && max.value < 0 ? { value: -max.value, exclusive: max.exclusive } : { value: 0, exclusive: true };
    const upper: Bound | undefined = min ? { value: -min.value, exclusive: min.exclusive } : undefined;
    alternatives.push(...magnitudes(rules, lower, upper).map((magnitude) => `"-" ${magnitude}`));
  }
  return `(${alternatives.join(" | ")})`;
}

/** Spellings of the magnitudes m with lower <= m <= upper (each side inclusive or exclusive), lower >= 0. */
function magnitudes(rules: GbnfRules, lower: Bound, upper: Bound | undefined): string[] {
  const L = BigInt(lower.value);
  const H = upper ? BigInt(upper.value) : undefined;
  const out: string[] = [];
  // Whole parts with every fraction inside: from L (L+1 when L itself is excluded) to H-1.
  const first = lower.exclusive ? L + 1n : L;
  const last = H === undefined ? undefined : H - 1n;
  if (last === undefined || first <= last) out.push(`${digitsInRange(first, last, rules)} ${ANY_FRACTION}`);
  // L excluded: L itself still counts with a non-zero fraction (below H when H > L).
  if (lower.exclusive && (H === undefined || L < H)) out.push(`${digitsInRange(L, L, rules)} ${NONZERO_FRACTION}`);
  // H included: H itself with a zero fraction.
  if (upper && !upper.exclusive && H !== undefined && (H > L || (H === L && !lower.exclusive))) {
    out.push(`${digitsInRange(H, H, rules)} ${ZERO_FRACTION}`);
  }
  return out.map((alternative) => `(${alternative})`);
}
