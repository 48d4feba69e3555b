/**
 * Reads GBNF text one code point at a time, the way llama.cpp's grammar parser does: its rules for
 * blanks, comments, names, integers and escapes live here so the parser only deals in structure.
 */
import type { GbnfPosition } from "./gbnf-ast.js";
import { GbnfSyntaxError } from "./gbnf-syntax-error.js";

const HEX_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };
const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  "\\": "\\",
  '"': '"',
  "[": "[",
  "]": "]",
  "-": "-",
};

/** llama.cpp's `is_word_char`: no underscore, no dot. */
export function isNameChar(ch: string | undefined): boolean {
  return ch !== undefined && /^[A-Za-z0-9-]$/.test(ch);
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

/** How a character reads in an error message. */
export function describeChar(ch: string | undefined): string {
  if (ch === undefined) return "end of input";
  if (ch === "\n" || ch === "\r") return "end of line";
  return `'${ch}'`;
}

export class GbnfScanner {
  /** Index of the next code point. */
  pos = 0;
  private readonly chars: readonly string[];
  private readonly lineStarts: number[] = [0];

  constructor(text: string) {
    this.chars = Array.from(text);
    this.chars.forEach((ch, i) => {
      const crlf = ch === "\r" && this.chars[i + 1] === "\n";
      if ((ch === "\n" || ch === "\r") && !crlf) this.lineStarts.push(i + 1);
    });
  }

  peek(ahead = 0): string | undefined {
    return this.chars[this.pos + ahead];
  }

  atEnd(): boolean {
    return this.pos >= this.chars.length;
  }

  startsWith(text: string): boolean {
    return Array.from(text).every((ch, i) => this.chars[this.pos + i] === ch);
  }

  position(index = this.pos): GbnfPosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: index - (this.lineStarts[low] ?? 0) + 1 };
  }

  error(reason: string, index = this.pos): GbnfSyntaxError {
    const { line, column } = this.position(index);
    return new GbnfSyntaxError(reason, line, column);
  }

  /** Skips blanks and `#` comments; newlines only where the grammar lets a rule go on. */
  skipSpace(newlineOk: boolean): void {
    for (;;) {
      const ch = this.peek();
      if (ch === " " || ch === "\t" || (newlineOk && (ch === "\n" || ch === "\r"))) {
        this.pos++;
      } else if (ch === "#") {
        while (!this.atEnd() && this.peek() !== "\n" && this.peek() !== "\r") this.pos++;
      } else {
        return;
      }
    }
  }

  /** A rule name, or undefined (nothing consumed) when none starts here. */
  readName(): string | undefined {
    const start = this.pos;
    while (isNameChar(this.peek())) this.pos++;
    return start === this.pos ? undefined : this.chars.slice(start, this.pos).join("");
  }

  /** A decimal integer, or undefined (nothing consumed) when none starts here. */
  readInt(): number | undefined {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (start === this.pos) return undefined;
    const value = Number(this.chars.slice(start, this.pos).join(""));
    if (!Number.isSafeInteger(value)) throw this.error("number too large", start);
    return value;
  }

  /** One character of a literal or class, escapes decoded, as a code point. */
  readChar(): number {
    const start = this.pos;
    const ch = this.peek();
    if (ch === undefined) throw this.error("unexpected end of input");
    this.pos++;
    if (ch !== "\\") return ch.codePointAt(0) ?? 0;

    const kind = this.peek();
    this.pos++;
    if (kind === undefined) throw this.error("unexpected end of input after '\\'", start);
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) return simple.codePointAt(0) ?? 0;
    const digits = HEX_DIGITS[kind];
    if (digits === undefined) {
      throw this.error(`unknown escape '\\${kind}' (known: \\n \\r \\t \\\\ \\" \\[ \\] \\- \\xHH \\uHHHH \\UHHHHHHHH)`, start);
    }
    const hex = this.chars.slice(this.pos, this.pos + digits).join("");
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) {
      throw this.error(`expected ${digits} hex digits after '\\${kind}'`, start);
    }
    this.pos += digits;
    return parseInt(hex, 16);
  }
}
