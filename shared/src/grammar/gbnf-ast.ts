/**
 * The syntax tree of a GBNF grammar. It keeps the source shape (groups, repetition counts) rather
 * than llama.cpp's rewritten rules, so checks can point at what the author wrote.
 */

/** 1-based; columns count Unicode code points, not UTF-16 units. */
export type GbnfPosition = { readonly line: number; readonly column: number };

/** Inclusive range of code points. */
export type GbnfCharRange = { readonly from: number; readonly to: number };

export type GbnfLiteral = { readonly kind: "literal"; readonly text: string; readonly at: GbnfPosition };

/** `[...]`; `negated` for `[^...]`. */
export type GbnfCharClass = {
  readonly kind: "class";
  readonly negated: boolean;
  readonly ranges: readonly GbnfCharRange[];
  readonly at: GbnfPosition;
};

/** `.`: any one code point, newline included. */
type GbnfAnyChar = { readonly kind: "any"; readonly at: GbnfPosition };

type GbnfRuleRef = { readonly kind: "ref"; readonly name: string; readonly at: GbnfPosition };

export type GbnfGroup = {
  readonly kind: "group";
  readonly alternatives: GbnfAlternatives;
  readonly at: GbnfPosition;
};

/** `*`, `+`, `?` and `{m}`, `{m,}`, `{m,n}`; `max` is null when unbounded; `at` is the operator. */
export type GbnfRepeat = {
  readonly kind: "repeat";
  readonly item: GbnfItem;
  readonly min: number;
  readonly max: number | null;
  readonly at: GbnfPosition;
};

export type GbnfItem = GbnfLiteral | GbnfCharClass | GbnfAnyChar | GbnfRuleRef | GbnfGroup | GbnfRepeat;

/** Items in order; an empty sequence matches empty text. */
export type GbnfSequence = readonly GbnfItem[];

/** `a | b | c`; at least one sequence. */
export type GbnfAlternatives = readonly GbnfSequence[];

export type GbnfRule = {
  readonly name: string;
  readonly alternatives: GbnfAlternatives;
  /** Where the rule's name stands in its definition. */
  readonly at: GbnfPosition;
};

/** Rules in source order; `root` is the rule the whole text must match. */
export type GbnfGrammar = { readonly rules: ReadonlyMap<string, GbnfRule>; readonly root: string };
