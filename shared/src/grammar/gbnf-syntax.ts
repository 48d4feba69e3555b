/**
 * Parser for llama.cpp's GBNF grammar language, following `llama-grammar.cpp` of the llama.cpp that
 * node-llama-cpp bundles: what it refuses we refuse, at the line and column of the cause.
 */
import type {
  GbnfAlternatives,
  GbnfCharClass,
  GbnfCharRange,
  GbnfGrammar,
  GbnfItem,
  GbnfLiteral,
  GbnfRule,
  GbnfSequence,
} from "./gbnf-ast.js";
import { checkGbnfGrammar } from "./gbnf-checks.js";
import { GbnfScanner, describeChar, isNameChar } from "./gbnf-scanner.js";

export { GbnfSyntaxError } from "./gbnf-syntax-error.js";
export type * from "./gbnf-ast.js";

type ParseGbnfOptions = {
  /** The rule the whole text must match; `root` unless given. */
  rootRule?: string;
};

/** llama.cpp's MAX_REPETITION_THRESHOLD: larger counts are refused, larger maxima mean "unbounded". */
const MAX_REPETITIONS = 2000;

/**
 * Parses GBNF text into rules. Throws GbnfSyntaxError for anything llama.cpp would refuse: syntax,
 * references to undefined rules, a missing root rule, left recursion, repetition past its limits.
 * A rule defined twice is refused too (llama.cpp silently keeps the last definition, which in a
 * generated grammar only hides a bug).
 */
export function parseGbnf(text: string, options: ParseGbnfOptions = {}): GbnfGrammar {
  const grammar = new GbnfParser(text).parse(options.rootRule ?? "root");
  checkGbnfGrammar(grammar);
  return grammar;
}

class GbnfParser {
  private readonly s: GbnfScanner;
  private readonly rules = new Map<string, GbnfRule>();
  /**
   * Mirrors the size of llama.cpp's symbol table (named rules plus the rules it generates for groups
   * and repetitions), which its limit on nested repetition is counted in.
   */
  private readonly names = new Set<string>();
  private generatedRules = 0;

  constructor(text: string) {
    this.s = new GbnfScanner(text);
  }

  parse(root: string): GbnfGrammar {
    this.s.skipSpace(true);
    if (this.s.atEnd()) throw this.s.error("the grammar is empty: expected at least one rule", 0);
    while (!this.s.atEnd()) this.parseRule();
    return { rules: this.rules, root };
  }

  private get symbolCount(): number {
    return this.names.size + this.generatedRules;
  }

  private parseRule(): void {
    const s = this.s;
    const start = s.pos;
    const name = s.readName();
    if (name === undefined) {
      const hint = this.rules.size > 0 ? " (outside parentheses a newline ends a rule: end the line with '|' or use ( ) to go on)" : "";
      throw s.error(`expected a rule name, found ${describeChar(s.peek())}${hint}`);
    }
    this.names.add(name);
    s.skipSpace(false);
    if (!s.startsWith("::=")) {
      const hint = s.peek() === "_" ? " (rule names may contain only letters, digits and '-')" : "";
      throw s.error(`expected '::=' after rule name '${name}'${hint}`);
    }
    const first = this.rules.get(name);
    if (first !== undefined) {
      throw s.error(`rule '${name}' is defined twice (first at line ${first.at.line}, column ${first.at.column})`, start);
    }
    s.pos += 3;
    s.skipSpace(true);
    const alternatives = this.parseAlternatives(false);
    this.rules.set(name, { name, alternatives, at: s.position(start) });

    const end = s.peek();
    if (end === "\r" && s.peek(1) === "\n") s.pos += 2;
    else if (end === "\n" || end === "\r") s.pos++;
    else if (end === ")") throw s.error("unmatched ')'");
    else if (end !== undefined) throw s.error(`expected end of line after rule '${name}', found ${describeChar(end)}`);
    s.skipSpace(true);
  }

  private parseAlternatives(nested: boolean): GbnfAlternatives {
    const alternatives: GbnfSequence[] = [this.parseSequence(nested)];
    while (this.s.peek() === "|") {
      this.s.pos++;
      this.s.skipSpace(true);
      alternatives.push(this.parseSequence(nested));
    }
    return alternatives;
  }

  private parseSequence(nested: boolean): GbnfSequence {
    const s = this.s;
    const items: GbnfItem[] = [];
    // Rules llama.cpp writes for the last item, its repetitions multiplied in; it refuses too many.
    let copies = 1;
    // llama.cpp has nothing to repeat after `""` or `x{0}`: they leave no element in its rule.
    let repeatable = false;
    for (;;) {
      const start = s.pos;
      const at = s.position();
      const ch = s.peek();
      if (ch === '"') {
        const literal = this.parseLiteral();
        items.push(literal);
        copies = 1;
        repeatable = literal.text !== "";
      } else if (ch === "[") {
        items.push(this.parseClass());
        copies = 1;
        repeatable = true;
      } else if (ch === "<" || ch === "!") {
        throw s.error("token references ('<...>', '!<...>') match model tokens, not text, and are not supported");
      } else if (isNameChar(ch)) {
        const name = s.readName() ?? "";
        this.names.add(name);
        items.push({ kind: "ref", name, at });
        copies = 1;
        repeatable = true;
      } else if (ch === "(") {
        const before = this.symbolCount;
        this.generatedRules++;
        s.pos++;
        s.skipSpace(true);
        const alternatives = this.parseAlternatives(true);
        if (s.peek() !== ")") {
          if (s.atEnd()) throw s.error("'(' is never closed", start);
          throw s.error(`expected ')' to close the '(' at line ${at.line}, column ${at.column}, found ${describeChar(s.peek())}`);
        }
        s.pos++;
        items.push({ kind: "group", alternatives, at });
        copies = Math.max(1, this.symbolCount - before);
        repeatable = true;
      } else if (ch === ".") {
        s.pos++;
        items.push({ kind: "any", at });
        copies = 1;
        repeatable = true;
      } else if (ch === "*" || ch === "+" || ch === "?" || ch === "{") {
        const { min, max } = this.parseBounds(nested);
        const item = items.pop();
        if (item === undefined || !repeatable) throw s.error(`'${ch}' has nothing to repeat`, start);
        // llama.cpp writes one rule per copy it may make; it refuses more than its limit in all.
        const total = max !== null && max > 0 ? max : Math.max(min, 1);
        if (copies * total > MAX_REPETITIONS) {
          throw s.error(`nested repetition needs more than ${MAX_REPETITIONS} rules, which llama.cpp refuses`, start);
        }
        copies *= total;
        this.generatedRules += max === null ? 1 : max - min;
        items.push({ kind: "repeat", item, min, max, at });
        repeatable = max !== 0;
      } else {
        return items;
      }
      s.skipSpace(nested);
    }
  }

  private parseLiteral(): GbnfLiteral {
    const s = this.s;
    const start = s.pos;
    const at = s.position();
    s.pos++;
    const codePoints: number[] = [];
    while (s.peek() !== '"') {
      if (s.atEnd()) throw s.error("unterminated string literal", start);
      codePoints.push(s.readChar());
    }
    s.pos++;
    return { kind: "literal", text: String.fromCodePoint(...codePoints), at };
  }

  private parseClass(): GbnfCharClass {
    const s = this.s;
    const start = s.pos;
    const at = s.position();
    s.pos++;
    const negated = s.peek() === "^";
    if (negated) s.pos++;
    const ranges: GbnfCharRange[] = [];
    while (s.peek() !== "]") {
      if (s.atEnd()) throw s.error("unterminated character class", start);
      const rangeStart = s.pos;
      const from = s.readChar();
      let to = from;
      // As in llama.cpp, a '-' right before ']' is a plain '-'.
      if (s.peek() === "-" && s.peek(1) !== "]") {
        s.pos++;
        if (s.atEnd()) throw s.error("unterminated character class", start);
        to = s.readChar();
        if (to < from) throw s.error("character range ends before it starts", rangeStart);
      }
      ranges.push({ from, to });
    }
    // llama.cpp reads `[]` and `[^]` as empty text, surely not what was meant.
    if (ranges.length === 0) throw s.error("empty character class", start);
    s.pos++;
    return { kind: "class", negated, ranges, at };
  }

  /** Reads `*`, `+`, `?` or `{...}` (the scanner is on it). */
  private parseBounds(nested: boolean): { min: number; max: number | null } {
    const s = this.s;
    const op = s.peek();
    const start = s.pos;
    s.pos++;
    if (op === "*") return { min: 0, max: null };
    if (op === "+") return { min: 1, max: null };
    if (op === "?") return { min: 0, max: 1 };

    s.skipSpace(nested);
    const min = s.readInt();
    if (min === undefined) {
      const hint = s.peek() === "," ? " (llama.cpp has no '{,n}': write '{0,n}')" : "";
      throw s.error(`expected a number after '{'${hint}`);
    }
    s.skipSpace(nested);
    let max: number | null = min;
    const ranged = s.peek() === ",";
    if (ranged) {
      s.pos++;
      s.skipSpace(nested);
      max = s.readInt() ?? null;
      s.skipSpace(nested);
    }
    if (s.peek() !== "}") throw s.error(`expected ${ranged ? "'}'" : "',' or '}'"} in repetition, found ${describeChar(s.peek())}`);
    s.pos++;
    if (min > MAX_REPETITIONS) throw s.error(`repetition count ${min} is over llama.cpp's limit of ${MAX_REPETITIONS}`, start);
    if (max !== null && max < min) throw s.error(`repetition {${min},${max}} has its minimum above its maximum`, start);
    // llama.cpp reads a maximum over its limit as "no maximum".
    if (max !== null && max > MAX_REPETITIONS) max = null;
    return { min, max };
  }
}
