import { ALL_CODE_POINTS, MAX_CODE_POINT, codePointSet, complement, contains, soleCodePoint, subtract, type CodePointSet } from "./code-point-set.js";
import { gbnfCharClassChar, gbnfLiteral, type GbnfRules } from "./gbnf-rules.js";
import { parseRegex, UnsupportedRegexError, type RegexNode } from "./regex-syntax.js";

export { UnsupportedRegexError } from "./regex-syntax.js";

/**
 * JSON Schema `pattern` as a grammar over the JSON text between a string's quotes. The regex speaks
 * of decoded characters; the grammar spells each one as JSON.stringify does (`\"`, `\\`, `\n`,
 * `\u001f`, everything else raw), so a match of the grammar decodes to a value the pattern accepts
 * and every such value has exactly one spelling the grammar matches.
 */

/**
 * A GBNF expression (safe to place in a sequence) for the JSON-encoded content of the strings
 * whose value `pattern` matches, with the unanchored search semantics of JSON Schema.
 * Throws UnsupportedRegexError for constructs a grammar cannot express exactly.
 */
export function regexToGbnf(pattern: string, rules: GbnfRules, lengths?: LengthBounds): string {
  const anyText = (): string => `${jsonChars(ALL_CODE_POINTS, rules)}*`;
  const options: string[] = [];
  let optional = false;
  for (const branch of branches(pattern, parseRegex(pattern))) {
    const simple = simplify(branch.body);
    const body = simple === null || !lengths ? simple : withinLengths(pattern, simple, branch, lengths);
    if (body === null) continue;
    const parts: string[] = [];
    const isEmpty = body.kind === "sequence" && body.items.length === 0;
    // An unanchored side can hold anything; with an empty body both sides are one run of anything.
    if (!branch.atStart || (isEmpty && !branch.atEnd)) parts.push(anyText());
    if (!isEmpty) parts.push(inSequence(emit(body, rules)));
    if (!branch.atEnd && !(isEmpty && !branch.atStart)) parts.push(anyText());
    if (parts.length === 0) optional = true;
    else options.push(parts.join(" "));
  }
  if (options.length === 0 && !optional) throw new UnsupportedRegexError(pattern, 0, "the pattern matches no string");
  return inSequence(alternation(options, optional));
}

/** `minLength`/`maxLength` beside a pattern (in characters, as validators count). */
interface LengthBounds {
  min: number;
  max: number | undefined;
}

/** Shortest and longest match of a simplified node (longest undefined when unbounded). */
function lengthRange(node: RegexNode): [number, number | undefined] {
  switch (node.kind) {
    case "chars":
      return [1, 1];
    case "sequence":
      return node.items.map(lengthRange).reduce(([a, b], [c, d]) => [a + c, b === undefined || d === undefined ? undefined : b + d], [0, 0]);
    case "alternation": {
      const ranges = node.options.map(lengthRange);
      return [Math.min(...ranges.map((r) => r[0])), ranges.some((r) => r[1] === undefined) ? undefined : Math.max(...ranges.map((r) => r[1]!))];
    }
    case "repeat": {
      const [lo, hi] = lengthRange(node.item);
      return [lo * node.min, node.max === undefined || hi === undefined ? undefined : hi * node.max];
    }
    case "anchor":
      return [0, 0];
  }
}

/**
 * The branch's body cut to the length bounds: as is when every match already fits, or, for the
 * common `^[class]+$` with lengths (Pydantic's `constr(pattern=..., min_length=..., max_length=...)`),
 * with the repetition's counts narrowed. Anything else cannot be intersected here exactly.
 */
function withinLengths(pattern: string, body: RegexNode, branch: Branch, lengths: LengthBounds): RegexNode | null {
  const [lo, hi] = branch.atStart && branch.atEnd ? lengthRange(body) : [lengthRange(body)[0], undefined];
  if (lo >= lengths.min && hi !== undefined && (lengths.max === undefined || hi <= lengths.max)) return body;
  if (lengths.max === undefined && lo >= lengths.min) return body;
  const single = body.kind === "repeat" && body.item.kind === "chars" ? body : body.kind === "chars" ? { kind: "repeat" as const, item: body, min: 1, max: 1 } : undefined;
  if (!single || !branch.atStart || !branch.atEnd) {
    throw new UnsupportedRegexError(pattern, 0, "this pattern cannot be combined with 'minLength'/'maxLength' (only one repeated character class between '^' and '$' can)");
  }
  const min = Math.max(single.min, lengths.min);
  const max = single.max === undefined ? lengths.max : lengths.max === undefined ? single.max : Math.min(single.max, lengths.max);
  if (max !== undefined && min > max) return null;
  return { kind: "repeat", item: single.item, min, max };
}

interface Branch {
  body: RegexNode;
  atStart: boolean;
  atEnd: boolean;
}

/**
 * The top-level alternatives, each with its `^` and `$` taken off. A top-level alternative that is
 * one group contributes that group's alternatives. Any other anchor is refused.
 */
function branches(pattern: string, node: RegexNode): Branch[] {
  const options = node.kind === "alternation" ? node.options : [node];
  return options.flatMap((option) => {
    const items = option.kind === "sequence" ? [...option.items] : [option];
    const sole = items.length === 1 ? items[0]! : undefined;
    if (sole !== undefined && (sole.kind === "alternation" || sole.kind === "sequence")) return branches(pattern, sole);
    const first = items[0];
    const atStart = first?.kind === "anchor" && first.at === "start";
    if (atStart) items.shift();
    const last = items[items.length - 1];
    const atEnd = last?.kind === "anchor" && last.at === "end";
    if (atEnd) items.pop();
    for (const item of items) refuseAnchors(pattern, item);
    return [{ body: { kind: "sequence", items }, atStart, atEnd }];
  });
}

function refuseAnchors(pattern: string, node: RegexNode): void {
  if (node.kind === "anchor") {
    throw new UnsupportedRegexError(pattern, node.position, `anchor '${node.at === "start" ? "^" : "$"}' away from the ${node.at} of the pattern`);
  }
  if (node.kind === "sequence") node.items.forEach((item) => refuseAnchors(pattern, item));
  if (node.kind === "alternation") node.options.forEach((option) => refuseAnchors(pattern, option));
  if (node.kind === "repeat") refuseAnchors(pattern, node.item);
}

const EMPTY: RegexNode = { kind: "sequence", items: [] };

const nullable = (node: RegexNode): boolean =>
  node.kind === "sequence" ? node.items.every(nullable) : node.kind === "alternation" ? node.options.some(nullable) : node.kind === "repeat" ? node.min === 0 || nullable(node.item) : false;

/**
 * The same language with no empty classes, no nested sequences, and nothing repeated that can match
 * the empty string (a repeated nullable part would be left-recursive for llama.cpp); null when the
 * language is empty.
 */
function simplify(node: RegexNode): RegexNode | null {
  switch (node.kind) {
    case "chars":
      return node.set.length === 0 ? null : node;
    case "sequence": {
      const items: RegexNode[] = [];
      for (const item of node.items) {
        const simple = simplify(item);
        if (simple === null) return null;
        items.push(...(simple.kind === "sequence" ? simple.items : [simple]));
      }
      return items.length === 1 ? items[0]! : { kind: "sequence", items };
    }
    case "alternation":
      return anyOf(node.options.map(simplify));
    case "repeat": {
      const item = simplify(node.item);
      if (item === null || node.max === 0) return item === null && node.min > 0 ? null : EMPTY;
      // (x)^{m,n} with x nullable is (x without the empty string)^{0,n}.
      const solid = nullable(item) ? withoutEmpty(item) : item;
      const min = solid === item ? node.min : 0;
      if (solid === null) return EMPTY;
      return min === 1 && node.max === 1 ? solid : { kind: "repeat", item: solid, min, max: node.max };
    }
    case "anchor":
      throw new Error("anchors are placed before simplifying");
  }
}

/** A simplified node's language minus the empty string; null when nothing is left. */
function withoutEmpty(node: RegexNode): RegexNode | null {
  if (!nullable(node)) return node;
  if (node.kind === "alternation") return anyOf(node.options.map(withoutEmpty));
  if (node.kind === "repeat") return { ...node, min: 1 };
  if (node.kind !== "sequence" || node.items.length === 0) return null;
  // Every item is nullable: the first is non-empty, or the first is empty and the rest is not.
  const [first, ...rest] = node.items as [RegexNode, ...RegexNode[]];
  const restNode: RegexNode = rest.length === 1 ? rest[0]! : { kind: "sequence", items: rest };
  const firstSolid = withoutEmpty(first);
  return anyOf([firstSolid === null ? null : { kind: "sequence", items: [firstSolid, ...rest] }, withoutEmpty(restNode)]);
}

function anyOf(options: (RegexNode | null)[]): RegexNode | null {
  const left = options.filter((option): option is RegexNode => option !== null);
  return left.length === 0 ? null : left.length === 1 ? left[0]! : { kind: "alternation", options: left };
}

/** GBNF text and how tightly it binds: an atom takes a postfix, a sequence sits in a sequence. */
interface Emitted {
  text: string;
  binds: "atom" | "sequence" | "alternation";
}

const inSequence = (e: Emitted): string => (e.binds === "alternation" ? `(${e.text})` : e.text);
const asAtom = (e: Emitted): string => (e.binds === "atom" ? e.text : `(${e.text})`);

function alternation(options: string[], optional: boolean): Emitted {
  if (options.length === 0) return { text: '""', binds: "atom" };
  const text = options.join(" | ");
  if (optional) return { text: `(${text})?`, binds: "sequence" };
  return { text, binds: options.length === 1 ? "sequence" : "alternation" };
}

function emit(node: RegexNode, rules: GbnfRules): Emitted {
  switch (node.kind) {
    case "chars":
      return { text: jsonChars(node.set, rules), binds: "atom" };
    case "sequence": {
      const parts: Emitted[] = [];
      let literal = "";
      const flush = (): void => {
        if (literal !== "") parts.push({ text: gbnfLiteral(literal), binds: "atom" });
        literal = "";
      };
      for (const item of node.items) {
        const sole = item.kind === "chars" ? soleCodePoint(item.set) : undefined;
        if (sole !== undefined) literal += jsonText(sole);
        else {
          flush();
          parts.push(emit(item, rules));
        }
      }
      flush();
      return parts.length === 1 ? parts[0]! : { text: parts.map(inSequence).join(" "), binds: "sequence" };
    }
    case "alternation": {
      const solid = node.options.filter((option) => !(option.kind === "sequence" && option.items.length === 0));
      const emitted = solid.map((option) => emit(option, rules));
      if (emitted.length === 1 && solid.length === node.options.length) return emitted[0]!;
      return alternation(
        emitted.map((e) => e.text),
        solid.length < node.options.length,
      );
    }
    case "repeat": {
      const { min, max } = node;
      const suffix =
        max === undefined ? (min === 0 ? "*" : min === 1 ? "+" : `{${min},}`) : min === max ? `{${min}}` : min === 0 && max === 1 ? "?" : `{${min},${max}}`;
      return { text: `${asAtom(emit(node.item, rules))}${suffix}`, binds: "sequence" };
    }
    case "anchor":
      throw new Error("anchors are placed before emitting");
  }
}

// Characters JSON must escape, with the short escape JSON.stringify writes for some of them.
const MUST_ESCAPE = codePointSet([
  [0x00, 0x1f],
  [0x22, 0x22],
  [0x5c, 0x5c],
]);
const SHORT_ESCAPES = new Map([
  [0x22, '"'],
  [0x5c, "\\"],
  [0x08, "b"],
  [0x0c, "f"],
  [0x0a, "n"],
  [0x0d, "r"],
  [0x09, "t"],
]);

/** A decoded character as JSON.stringify spells it inside a string. */
function jsonText(codePoint: number): string {
  const short = SHORT_ESCAPES.get(codePoint);
  if (short !== undefined) return `\\${short}`;
  if (codePoint < 0x20) return `\\u${codePoint.toString(16).padStart(4, "0")}`;
  return String.fromCodePoint(codePoint);
}

/** An atom matching the JSON spelling of any one character of `set`. */
function jsonChars(set: CodePointSet, rules: GbnfRules): string {
  const sole = soleCodePoint(set);
  if (sole !== undefined) return gbnfLiteral(jsonText(sole));
  const raw = subtract(set, MUST_ESCAPE);
  const afterBackslash: string[] = [];
  const letters = [...SHORT_ESCAPES].filter(([code]) => contains(set, code)).map(([, letter]) => letter.codePointAt(0)!);
  if (letters.length > 0) afterBackslash.push(charClass(codePointSet(letters.map((code) => [code, code]))));
  for (const high of [0, 1]) {
    // The control characters with no short escape, as `\u00` and two lowercase hex digits.
    const lows = [...Array(16).keys()].filter((low) => contains(set, high * 16 + low) && !SHORT_ESCAPES.has(high * 16 + low));
    const hexDigits = codePointSet(lows.map((low) => low.toString(16).codePointAt(0)!).map((code) => [code, code]));
    if (lows.length > 0) afterBackslash.push(`${gbnfLiteral(`u00${high}`)} ${charClass(hexDigits)}`);
  }
  const pieces = raw.length > 0 ? [charClass(raw)] : [];
  if (afterBackslash.length > 0) pieces.push(`"\\\\" ${afterBackslash.length === 1 ? afterBackslash[0] : `(${afterBackslash.join(" | ")})`}`);
  return pieces.length === 1 && afterBackslash.length === 0 ? pieces[0]! : rules.add("regex-char", pieces.join(" | "));
}

/** The shorter of `[...]` and `[^...]` for a set; a lone code point as a literal. */
function charClass(set: CodePointSet): string {
  const sole = soleCodePoint(set);
  if (sole !== undefined) return gbnfLiteral(String.fromCodePoint(sole));
  const outside = complement(set);
  // On a tie the negated form reads better when the set runs to the top of Unicode.
  const negated = outside.length < set.length || (outside.length === set.length && contains(set, MAX_CODE_POINT));
  const ranges = (negated ? outside : set).map(([from, to]) =>
    from === to ? gbnfCharClassChar(from) : `${gbnfCharClassChar(from)}${to === from + 1 ? "" : "-"}${gbnfCharClassChar(to)}`,
  );
  return `[${negated ? "^" : ""}${ranges.join("")}]`;
}
