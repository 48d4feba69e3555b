/**
 * Left recursion in GBNF grammars, in two passes. The first is llama.cpp's own check, run on the
 * rules it rewrites groups and repetitions into, so we refuse what it refuses. The second finds the
 * left recursion that check misses (behind `x?`, `x*`, or rules that can match empty text without
 * an empty alternative), on which llama.cpp can loop without end, already when the grammar is made.
 */
import type { GbnfAlternatives, GbnfGrammar, GbnfGroup, GbnfItem, GbnfPosition, GbnfRepeat } from "./gbnf-ast.js";
import { GbnfSyntaxError } from "./gbnf-syntax-error.js";

function fail(reason: string, at: GbnfPosition): never {
  throw new GbnfSyntaxError(reason, at.line, at.column);
}

/**
 * A rule as llama.cpp holds it: a named rule, the rule made for a group, or the one made for the
 * optional copies of a repetition (`x' ::= x x' |`; one node stands for a bounded chain of them).
 */
type LlamaRule = { kind: "rule"; name: string } | { kind: "group"; node: GbnfGroup } | { kind: "repeat"; node: GbnfRepeat };

/** An element of a rewritten rule: a reference, or (null) a character. */
type Element = { readonly target: LlamaRule | null; readonly at: GbnfPosition };

/** The elements an item leaves in its rule, as far as they matter for what can come first. */
function elements(item: GbnfItem): Element[] {
  switch (item.kind) {
    case "literal":
      return item.text === "" ? [] : [{ target: null, at: item.at }];
    case "class":
    case "any":
      return [{ target: null, at: item.at }];
    case "ref":
      return [{ target: { kind: "rule", name: item.name }, at: item.at }];
    case "group":
      return [{ target: { kind: "group", node: item }, at: item.at }];
    case "repeat": {
      if (item.max === 0) return [];
      // Past the first copy nothing changes what can come first.
      const first = item.min > 0 ? elements(item.item) : [];
      const optional = item.max === null || item.max > item.min;
      return optional ? [...first, { target: { kind: "repeat", node: item }, at: item.at }] : first;
    }
  }
}

function llamaCheck(grammar: GbnfGrammar): void {
  const rewrite = (alternatives: GbnfAlternatives): Element[][] => alternatives.map((sequence) => sequence.flatMap(elements));
  const alternativesOf = (rule: LlamaRule): Element[][] => {
    if (rule.kind === "rule") return rewrite(grammar.rules.get(rule.name)?.alternatives ?? []);
    if (rule.kind === "group") return rewrite(rule.node.alternatives);
    const again = rule.node.max === null ? [{ target: rule, at: rule.node.at }] : [];
    return [[...elements(rule.node.item), ...again], []];
  };
  const key = (rule: LlamaRule): unknown => (rule.kind === "rule" ? grammar.rules.get(rule.name) : rule.node);
  // llama.cpp only counts a rule as possibly empty when one alternative is literally empty.
  const emptyKnown = new Map<unknown, boolean>();
  const mayBeEmpty = (rule: LlamaRule): boolean => {
    let empty = emptyKnown.get(key(rule));
    if (empty === undefined) {
      empty = alternativesOf(rule).some((elems) => elems.length === 0);
      emptyKnown.set(key(rule), empty);
    }
    return empty;
  };

  const done = new Set<unknown>();
  const path: LlamaRule[] = [];
  const open = new Set<unknown>();
  const loopText = (target: LlamaRule): string => {
    const loop = [...path.slice(path.findIndex((rule) => key(rule) === key(target))), target];
    return loop.map((rule) => (rule.kind === "rule" ? rule.name : rule.kind === "group" ? "( )" : "repetition")).join(" -> ");
  };
  const visit = (rule: LlamaRule): void => {
    path.push(rule);
    open.add(key(rule));
    for (const elems of alternativesOf(rule)) {
      for (const { target, at } of elems) {
        if (target === null) break;
        if (open.has(key(target))) {
          if (target.kind === "repeat") {
            fail("left recursion, which llama.cpp refuses: the repeated item can start with an empty alternative (as in `(\"\" | x)*`, or `ws*` with `ws ::= | \" \"`)", at);
          }
          const what = target.kind === "rule" ? `rule '${target.name}'` : "this group";
          fail(`left recursion, which llama.cpp refuses: ${what} can start with itself (${loopText(target)})`, at);
        }
        if (!done.has(key(target))) visit(target);
        if (!mayBeEmpty(target)) break;
      }
    }
    path.pop();
    open.delete(key(rule));
    done.add(key(rule));
  };
  // Like llama.cpp, start from every rule, those it makes for groups and repetitions included.
  const starts: LlamaRule[] = [];
  const collect = (item: GbnfItem): void => {
    if (item.kind === "group") {
      starts.push({ kind: "group", node: item });
      item.alternatives.forEach((sequence) => sequence.forEach(collect));
    } else if (item.kind === "repeat") {
      starts.push({ kind: "repeat", node: item });
      collect(item.item);
    }
  };
  for (const rule of grammar.rules.values()) {
    starts.push({ kind: "rule", name: rule.name });
    rule.alternatives.forEach((sequence) => sequence.forEach(collect));
  }
  for (const rule of starts) if (!done.has(key(rule))) visit(rule);
}

function itemNullable(item: GbnfItem, nullableRules: ReadonlySet<string>): boolean {
  switch (item.kind) {
    case "literal":
      return item.text === "";
    case "class":
    case "any":
      return false;
    case "ref":
      return nullableRules.has(item.name);
    case "group":
      return alternativesNullable(item.alternatives, nullableRules);
    case "repeat":
      return item.min === 0 || item.max === 0 || itemNullable(item.item, nullableRules);
  }
}

function alternativesNullable(alternatives: GbnfAlternatives, nullableRules: ReadonlySet<string>): boolean {
  return alternatives.some((sequence) => sequence.every((item) => itemNullable(item, nullableRules)));
}

/** The rules that can match empty text. */
function nullableRules(grammar: GbnfGrammar): Set<string> {
  const nullable = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const rule of grammar.rules.values()) {
      if (!nullable.has(rule.name) && alternativesNullable(rule.alternatives, nullable)) {
        nullable.add(rule.name);
        grew = true;
      }
    }
  }
  return nullable;
}

/** Rule references that can come before any character in what the alternatives match. */
function leftmostRefs(alternatives: GbnfAlternatives, nullable: ReadonlySet<string>): { name: string; at: GbnfPosition }[] {
  const refs: { name: string; at: GbnfPosition }[] = [];
  const collect = (item: GbnfItem): void => {
    if (item.kind === "ref") refs.push(item);
    else if (item.kind === "group") refs.push(...leftmostRefs(item.alternatives, nullable));
    else if (item.kind === "repeat" && item.max !== 0) collect(item.item);
  };
  for (const sequence of alternatives) {
    for (const item of sequence) {
      collect(item);
      if (!itemNullable(item, nullable)) break;
    }
  }
  return refs;
}

function hiddenCheck(grammar: GbnfGrammar): void {
  const nullable = nullableRules(grammar);
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): void => {
    path.push(name);
    for (const ref of leftmostRefs(grammar.rules.get(name)?.alternatives ?? [], nullable)) {
      const loopStart = path.indexOf(ref.name);
      if (loopStart >= 0) {
        const loop = [...path.slice(loopStart), ref.name].join(" -> ");
        fail(`left recursion: rule '${ref.name}' can start with itself (${loop}) behind items that can match empty text; llama.cpp's own check misses that and may then loop forever`, ref.at);
      }
      if (!done.has(ref.name)) visit(ref.name);
    }
    path.pop();
    done.add(name);
  };
  for (const name of grammar.rules.keys()) if (!done.has(name)) visit(name);
}

/** Throws GbnfSyntaxError, at the reference that closes the loop, for left recursion. */
export function checkGbnfLeftRecursion(grammar: GbnfGrammar): void {
  llamaCheck(grammar);
  hiddenCheck(grammar);
}
