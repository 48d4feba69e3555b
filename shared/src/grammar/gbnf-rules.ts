/**
 * The named rules of a GBNF grammar as it is built, and the escaping of text into GBNF literals and
 * character classes. Builders return expressions; whatever needs a name goes here.
 */

/** Collects named helper rules while an expression is built; equal bodies share one rule. */
export class GbnfRules {
  // Insertion order is the output order; `undefined` marks a reserved name not yet defined.
  private readonly bodies = new Map<string, string | undefined>();
  private readonly nameByBody = new Map<string, string>();

  /** Whether a rule of this exact name is defined or reserved. */
  has(name: string): boolean {
    return this.bodies.has(name);
  }

  /** Adds (or reuses, when an identical body exists) a rule and returns its name, made from the hint (lowercase letters, digits, '-'), unique. */
  add(nameHint: string, body: string): string {
    const existing = this.nameByBody.get(body);
    if (existing !== undefined) return existing;
    const name = this.freeName(nameHint);
    this.set(name, body);
    return name;
  }

  /** Reserves a name for a rule whose body is set later (for recursion). */
  reserve(nameHint: string): string {
    const name = this.freeName(nameHint);
    this.bodies.set(name, undefined);
    return name;
  }

  /** Sets the body of a reserved name, once. */
  define(name: string, body: string): void {
    if (!this.bodies.has(name)) throw new Error(`GBNF rule '${name}' was never reserved`);
    if (this.bodies.get(name) !== undefined) throw new Error(`GBNF rule '${name}' is already defined`);
    this.set(name, body);
  }

  /** Defines a rule under exactly this name (a well-known rule such as `root` or `string`); the name must be free. */
  defineFixed(name: string, body: string): void {
    if (!RULE_NAME.test(name)) throw new Error(`'${name}' is not a GBNF rule name`);
    if (this.bodies.has(name)) throw new Error(`GBNF rule '${name}' already exists`);
    this.set(name, body);
  }

  /** The rules as GBNF text lines `name ::= body`, in insertion order. */
  toText(): string {
    const lines: string[] = [];
    for (const [name, body] of this.bodies) {
      if (body === undefined) throw new Error(`GBNF rule '${name}' was reserved but never defined`);
      lines.push(`${name} ::= ${body}`);
    }
    return lines.join("\n");
  }

  private set(name: string, body: string): void {
    this.bodies.set(name, body);
    // The first rule with a body keeps it: later equal bodies reuse that rule.
    if (!this.nameByBody.has(body)) this.nameByBody.set(body, name);
  }

  private freeName(hint: string): string {
    const base =
      hint
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-{2,}/g, "-")
        .replace(/^-|-$/g, "") || "rule";
    if (!this.bodies.has(base)) return base;
    for (let n = 2; ; n++) {
      const candidate = `${base}-${n}`;
      if (!this.bodies.has(candidate)) return candidate;
    }
  }
}

const RULE_NAME = /^[a-zA-Z0-9-]+$/;

/** A GBNF "..." literal that matches exactly `text`. */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else out += SHORT_ESCAPES.get(code) ?? (needsEscape(code) ? hexEscape(code) : ch);
  }
  return `${out}"`;
}

/** One code point escaped for use inside a GBNF character class `[...]`. */
export function gbnfCharClassChar(codePoint: number): string {
  switch (codePoint) {
    case 0x5c:
      return "\\\\";
    case 0x5d:
      return "\\]";
    case 0x5b:
      return "\\[";
    case 0x22:
      return '\\"';
    // llama.cpp has no `\-` or `\^` escape; a hex escape is never read as a range or a negation.
    case 0x2d:
    case 0x5e:
      return hexEscape(codePoint);
  }
  const short = SHORT_ESCAPES.get(codePoint);
  if (short !== undefined) return short;
  return needsEscape(codePoint) ? hexEscape(codePoint) : String.fromCodePoint(codePoint);
}

const SHORT_ESCAPES = new Map([
  [0x0a, "\\n"],
  [0x0d, "\\r"],
  [0x09, "\\t"],
]);

// Controls, format and unassigned code points, lone surrogates and every blank but the space are
// written as escapes, so grammar text stays readable, valid UTF-8 and one line per rule.
const needsEscape = (code: number): boolean => code !== 0x20 && /^[\p{C}\p{Z}]$/u.test(String.fromCodePoint(code));

function hexEscape(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
  if (code <= 0xffff) return `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return `\\U${code.toString(16).toUpperCase().padStart(8, "0")}`;
}
