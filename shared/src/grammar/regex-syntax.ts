import { codePointSet, complement, singleCodePoint, soleCodePoint, union, type CodePointSet } from "./code-point-set.js";

/**
 * Reads an ECMAScript regular expression (JSON Schema `pattern`, no flags, read as the `u` flag
 * reads it: by code point) into a tree of the parts a grammar can express. Anything else is
 * refused by name and position rather than approximated.
 */

/** A regex construct the grammar cannot express, or a pattern that is not a valid regex. */
export class UnsupportedRegexError extends Error {
  override name = "UnsupportedRegexError";
  constructor(
    readonly pattern: string,
    /** Index in `pattern` where the construct starts. */
    readonly position: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${detail} at position ${position} of pattern ${JSON.stringify(pattern)}`, options);
  }
}

export type RegexNode =
  | { kind: "chars"; set: CodePointSet }
  | { kind: "sequence"; items: RegexNode[] }
  | { kind: "alternation"; options: RegexNode[] }
  | { kind: "repeat"; item: RegexNode; min: number; max: number | undefined }
  | { kind: "anchor"; at: "start" | "end"; position: number };

const DIGIT: CodePointSet = [[0x30, 0x39]];
const WORD: CodePointSet = codePointSet([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
// ECMAScript WhiteSpace and LineTerminator.
const SPACE: CodePointSet = codePointSet(
  [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff].map((c) => [c, c] as const).concat([[0x2000, 0x200a]]),
);
// `.` without the `s` flag stops at ECMAScript line terminators.
const DOT: CodePointSet = complement(codePointSet([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]));

const CLASS_ESCAPES: Record<string, CodePointSet> = { d: DIGIT, D: complement(DIGIT), w: WORD, W: complement(WORD), s: SPACE, S: complement(SPACE) };
const CONTROL_ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, f: 0x0c };
const SYNTAX_CHARACTERS = new Set("^$\\.*+?()[]{}|/-");

/** The pattern's tree; anchors stay where they were written, for the caller to place. */
export function parseRegex(pattern: string): RegexNode {
  const reader = new RegexReader(pattern);
  const node = reader.disjunction();
  if (!reader.atEnd()) reader.fail(reader.pos, "unmatched ')'");
  return node;
}

class RegexReader {
  pos = 0;
  constructor(private readonly pattern: string) {}

  atEnd = (): boolean => this.pos >= this.pattern.length;
  private peek = (offset = 0): string | undefined => this.pattern[this.pos + offset];
  private startsWith = (text: string): boolean => this.pattern.startsWith(text, this.pos);

  fail(position: number, detail: string): never {
    throw new UnsupportedRegexError(this.pattern, position, detail);
  }

  disjunction(): RegexNode {
    const options = [this.alternative()];
    while (this.peek() === "|") {
      this.pos++;
      options.push(this.alternative());
    }
    return options.length === 1 ? options[0]! : { kind: "alternation", options };
  }

  private alternative(): RegexNode {
    const items: RegexNode[] = [];
    while (!this.atEnd() && this.peek() !== "|" && this.peek() !== ")") items.push(this.term());
    return items.length === 1 ? items[0]! : { kind: "sequence", items };
  }

  private term(): RegexNode {
    const start = this.pos;
    const c = this.peek();
    if (c === "^" || c === "$") {
      this.pos++;
      if (this.quantifierAhead()) this.fail(this.pos, `quantifier on the anchor '${c}'`);
      return { kind: "anchor", at: c === "^" ? "start" : "end", position: start };
    }
    return this.quantified(this.atom());
  }

  private atom(): RegexNode {
    const start = this.pos;
    const c = this.peek()!;
    if (c === "(") return this.group();
    if (c === "[") return { kind: "chars", set: this.characterClass() };
    if (c === "." || c === "\\") {
      this.pos++;
      return { kind: "chars", set: c === "." ? DOT : this.atomEscape(start) };
    }
    if (c === "*" || c === "+" || c === "?" || this.quantifierAhead()) this.fail(start, `nothing to repeat before '${c}'`);
    return { kind: "chars", set: singleCodePoint(this.codePoint()) };
  }

  private codePoint(): number {
    const code = this.pattern.codePointAt(this.pos)!;
    this.pos += code > 0xffff ? 2 : 1;
    return code;
  }

  private group(): RegexNode {
    const start = this.pos;
    if (this.startsWith("(?=") || this.startsWith("(?!")) this.fail(start, "lookahead");
    if (this.startsWith("(?<=") || this.startsWith("(?<!")) this.fail(start, "lookbehind");
    if (this.startsWith("(?:")) this.pos += 3;
    else if (this.startsWith("(?<")) {
      const close = this.pattern.indexOf(">", this.pos);
      const name = close < 0 ? "" : this.pattern.slice(this.pos + 3, close);
      if (!/^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(name)) this.fail(start, "invalid group name");
      this.pos = close + 1;
    } else if (this.startsWith("(?")) this.fail(start, "group modifier or inline flags '(?'");
    else this.pos++;
    const inner = this.disjunction();
    if (this.peek() !== ")") this.fail(start, "unterminated group");
    this.pos++;
    return inner;
  }

  /** Whether a quantifier (`*`, `+`, `?` or a well-formed `{n}`, `{n,}`, `{n,m}`) starts here. */
  private quantifierAhead(): boolean {
    const c = this.peek();
    return c === "*" || c === "+" || c === "?" || (c === "{" && BRACES.test(this.pattern.slice(this.pos)));
  }

  private quantified(item: RegexNode): RegexNode {
    const start = this.pos;
    const c = this.peek();
    let min: number;
    let max: number | undefined;
    if (c === "*" || c === "+" || c === "?") {
      this.pos++;
      [min, max] = c === "*" ? [0, undefined] : c === "+" ? [1, undefined] : [0, 1];
    } else {
      // A `{` that does not open a quantifier is a literal (as browsers read patterns).
      const braces = c === "{" ? BRACES.exec(this.pattern.slice(this.pos)) : null;
      if (braces === null) return item;
      this.pos += braces[0].length;
      min = Number(braces[1]);
      max = braces[2] === undefined ? min : braces[3] === "" ? undefined : Number(braces[3]);
      if (max !== undefined && min > max) this.fail(start, "numbers out of order in quantifier");
      if (Math.max(min, max ?? 0) > MAX_REPETITIONS) this.fail(start, `repetition count above llama.cpp's limit of ${MAX_REPETITIONS}`);
    }
    // A lazy quantifier matches the same strings, only preferring fewer.
    if (this.peek() === "?") this.pos++;
    return { kind: "repeat", item, min, max };
  }

  /** After a `\` outside a class. */
  private atomEscape(start: number): CodePointSet {
    const c = this.peek();
    if (c === "b" || c === "B") this.fail(start, `word boundary '\\${c}'`);
    if (c !== undefined && /[1-9]/.test(c)) this.fail(start, `backreference '\\${c}'`);
    if (c === "k") this.fail(start, "named backreference '\\k'");
    return this.escape(start);
  }

  /** After a `\`, inside or outside a class: a class escape or one code point. */
  private escape(start: number): CodePointSet {
    const c = this.peek();
    if (c === undefined) this.fail(start, "pattern ends with '\\'");
    const classEscape = CLASS_ESCAPES[c];
    if (classEscape !== undefined) {
      this.pos++;
      return classEscape;
    }
    if (c === "p" || c === "P") this.fail(start, `unicode property escape '\\${c}'`);
    return singleCodePoint(this.characterEscape(start));
  }

  private characterEscape(start: number): number {
    const c = this.peek()!;
    this.pos++;
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined) return control;
    if (c === "0") {
      if (/[0-9]/.test(this.peek() ?? "")) this.fail(start, "octal escape");
      return 0;
    }
    if (c === "c" && /[A-Za-z]/.test(this.peek() ?? "")) return this.codePoint() % 32;
    if (c === "x") return this.hex(start, /^[0-9a-fA-F]{2}/);
    if (c === "u") return this.unicodeEscape(start);
    if (SYNTAX_CHARACTERS.has(c)) return c.codePointAt(0)!;
    if (/[0-9A-Za-z_]/.test(c)) this.fail(start, `unknown escape '\\${c}'`);
    // Escaping any other punctuation or symbol leaves it as it is.
    this.pos--;
    return this.codePoint();
  }

  private unicodeEscape(start: number): number {
    if (this.peek() === "{") {
      const value = this.hex(start, /^\{([0-9a-fA-F]{1,6})\}/);
      if (value > 0x10ffff) this.fail(start, "code point escape above U+10FFFF");
      return value;
    }
    const value = this.hex(start, /^[0-9a-fA-F]{4}/);
    // A surrogate pair written as two escapes is one code point.
    const low = /^\\u(d[c-f][0-9a-f]{2})/i.exec(this.pattern.slice(this.pos));
    if (value >= 0xd800 && value <= 0xdbff && low !== null) {
      this.pos += 6;
      return 0x10000 + ((value - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
    }
    return value;
  }

  private hex(start: number, shape: RegExp): number {
    const match = shape.exec(this.pattern.slice(this.pos));
    if (match === null) this.fail(start, "malformed hexadecimal escape");
    this.pos += match[0].length;
    return parseInt(match[1] ?? match[0], 16);
  }

  private characterClass(): CodePointSet {
    const start = this.pos++;
    const negated = this.peek() === "^";
    if (negated) this.pos++;
    let set: CodePointSet = [];
    for (;;) {
      if (this.atEnd()) this.fail(start, "unterminated character class");
      if (this.peek() === "]") break;
      const atomStart = this.pos;
      const from = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        this.pos++;
        const to = this.classAtom();
        const [low, high] = [soleCodePoint(from), soleCodePoint(to)];
        if (low === undefined || high === undefined) this.fail(atomStart, "class escape as a range end");
        if (low > high) this.fail(atomStart, "range out of order in character class");
        set = union(set, [[low, high]]);
      } else set = union(set, from);
    }
    this.pos++;
    return negated ? complement(set) : set;
  }

  private classAtom(): CodePointSet {
    if (this.peek() !== "\\") return singleCodePoint(this.codePoint());
    const start = this.pos++;
    const c = this.peek();
    // Inside a class `\b` is a backspace and `\-` a hyphen.
    if (c === "b") {
      this.pos++;
      return singleCodePoint(0x08);
    }
    if (c === "B") this.fail(start, "'\\B' in a character class");
    if (c !== undefined && /[1-9]/.test(c)) this.fail(start, `octal or backreference escape '\\${c}' in a character class`);
    if (c === "k") this.fail(start, "'\\k' in a character class");
    return this.escape(start);
  }
}

const BRACES = /^\{(\d+)(,(\d*))?\}/;
const MAX_REPETITIONS = 2000;
