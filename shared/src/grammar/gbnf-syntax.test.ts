import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { GbnfSyntaxError, parseGbnf, type GbnfItem } from "./gbnf-syntax.js";

function errorOf(text: string, rootRule?: string): GbnfSyntaxError {
  try {
    parseGbnf(text, rootRule === undefined ? {} : { rootRule });
  } catch (err) {
    if (err instanceof GbnfSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected a GbnfSyntaxError for ${JSON.stringify(text)}`);
}

function rootItems(text: string): readonly GbnfItem[] {
  const [first] = parseGbnf(text).rules.get("root")?.alternatives ?? [];
  return first ?? [];
}

describe("parseGbnf", () => {
  it("builds rules in source order, with positions", () => {
    const grammar = parseGbnf('root ::= "a" [b-d]* | x{2,3}\nx ::= .');
    expect([...grammar.rules.keys()]).toEqual(["root", "x"]);
    expect(grammar.root).toBe("root");
    expect(grammar.rules.get("root")?.alternatives).toEqual([
      [
        { kind: "literal", text: "a", at: { line: 1, column: 10 } },
        {
          kind: "repeat",
          min: 0,
          max: null,
          at: { line: 1, column: 19 },
          item: { kind: "class", negated: false, ranges: [{ from: 0x62, to: 0x64 }], at: { line: 1, column: 14 } },
        },
      ],
      [
        {
          kind: "repeat",
          min: 2,
          max: 3,
          at: { line: 1, column: 24 },
          item: { kind: "ref", name: "x", at: { line: 1, column: 23 } },
        },
      ],
    ]);
    expect(grammar.rules.get("x")).toEqual({
      name: "x",
      at: { line: 2, column: 1 },
      alternatives: [[{ kind: "any", at: { line: 2, column: 7 } }]],
    });
  });

  it("decodes every escape llama.cpp knows, in literals and classes", () => {
    const [literal, cls] = rootItems(String.raw`root ::= "\n\r\t\\\"\[\]\-\x41\u00e9\U0001F600" [\]\-^\x00-\x1F]`);
    expect(literal).toMatchObject({ kind: "literal", text: '\n\r\t\\"[]-Aé😀' });
    expect(cls).toMatchObject({
      kind: "class",
      negated: false,
      ranges: [
        { from: 0x5d, to: 0x5d },
        { from: 0x2d, to: 0x2d },
        { from: 0x5e, to: 0x5e },
        { from: 0x00, to: 0x1f },
      ],
    });
  });

  it("reads negated classes, a trailing '-' as a plain character, and raw Unicode", () => {
    expect(rootItems('root ::= [^"\\\\] [a-] [ぁ-ゟ]')).toMatchObject([
      { kind: "class", negated: true, ranges: [{ from: 0x22, to: 0x22 }, { from: 0x5c, to: 0x5c }] },
      { kind: "class", negated: false, ranges: [{ from: 0x61, to: 0x61 }, { from: 0x2d, to: 0x2d }] },
      { kind: "class", negated: false, ranges: [{ from: 0x3041, to: 0x309f }] },
    ]);
  });

  it("reads every repetition form, spaces inside braces included", () => {
    const bounds = rootItems('root ::= "a"* "a"+ "a"? "a"{3} "a"{ 2 , } "a"{1,4} "a"{0,2000} "a"{0,2001}').map((item) =>
      item.kind === "repeat" ? [item.min, item.max] : item.kind,
    );
    // Past 2000, llama.cpp reads a maximum as "no maximum".
    expect(bounds).toEqual([[0, null], [1, null], [0, 1], [3, 3], [2, null], [1, 4], [0, 2000], [0, null]]);
  });

  it("applies stacked postfix operators to the repeated item", () => {
    expect(rootItems('root ::= "ab"{2}?')).toMatchObject([
      { kind: "repeat", min: 0, max: 1, item: { kind: "repeat", min: 2, max: 2, item: { kind: "literal", text: "ab" } } },
    ]);
  });

  it("continues a rule over newlines inside parentheses and after '|', with comments anywhere", () => {
    const grammar = parseGbnf(
      [
        "# leading comment",
        "root ::= ( # open",
        '  "a"',
        "",
        '  | "b" # second',
        ") tail |",
        '  "c"',
        'tail ::= "t" # trailing',
        "",
      ].join("\n"),
    );
    const root = grammar.rules.get("root");
    expect(root?.alternatives).toHaveLength(2);
    expect(root?.alternatives[0]?.[0]).toMatchObject({ kind: "group", alternatives: [[{ text: "a" }], [{ text: "b" }]] });
    expect(root?.alternatives[1]).toMatchObject([{ kind: "literal", text: "c", at: { line: 7, column: 3 } }]);
    expect(grammar.rules.get("tail")?.at).toEqual({ line: 8, column: 1 });
  });

  it("accepts rule names of letters, digits and '-', empty alternatives and CRLF line ends", () => {
    const grammar = parseGbnf('root ::= item-2 ws\r\nitem-2 ::= "x"\r\nws ::= | " " | "\\n"\r\n');
    expect([...grammar.rules.keys()]).toEqual(["root", "item-2", "ws"]);
    expect(grammar.rules.get("ws")?.alternatives[0]).toEqual([]);
  });

  it("takes another root rule when told", () => {
    expect(parseGbnf('start ::= "a"', { rootRule: "start" }).root).toBe("start");
  });

  it("parses every grammar shipped with the bundled llama.cpp", () => {
    const packageEntry = createRequire(import.meta.url).resolve("node-llama-cpp");
    const folder = join(dirname(packageEntry), "..", "llama", "grammars");
    const files = readdirSync(folder).filter((file) => file.endsWith(".gbnf"));
    expect(files).toContain("json.gbnf");
    for (const file of files) {
      expect(parseGbnf(readFileSync(join(folder, file), "utf8")).rules.size, file).toBeGreaterThan(0);
    }
  });
});

describe("GbnfSyntaxError", () => {
  it("carries name, reason, 1-based line and column", () => {
    const err = errorOf('root ::= "a"\n\nfoo   "x"');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("GbnfSyntaxError");
    expect([err.line, err.column]).toEqual([3, 7]);
    expect(err.reason).toBe("expected '::=' after rule name 'foo'");
    expect(err.message).toBe("line 3, column 7: expected '::=' after rule name 'foo'");
  });

  const cases: [what: string, text: string, line: number, column: number, reason: RegExp][] = [
    ["empty input", "", 1, 1, /grammar is empty/],
    ["only comments and blanks", "  # nothing\n\n", 1, 1, /grammar is empty/],
    ["unterminated literal", 'root ::= "abc', 1, 10, /unterminated string literal/],
    ["unterminated class", "root ::= [a-z", 1, 10, /unterminated character class/],
    ["unknown escape", 'root ::= "a\\q"', 1, 12, /unknown escape '\\q'/],
    ["short hex escape", 'root ::= "\\x4"', 1, 11, /expected 2 hex digits after '\\x'/],
    ["short \\u escape after an emoji", 'root ::= "😀" "\\u12"', 1, 15, /expected 4 hex digits after '\\u'/],
    ["unclosed '('", 'root ::= ("a"\n  "b"', 1, 10, /'\(' is never closed/],
    ["junk where ')' belongs", 'root ::= ("a" @)', 1, 15, /expected '\)' to close the '\(' at line 1, column 10, found '@'/],
    ["stray ')'", 'root ::= "a")', 1, 13, /unmatched '\)'/],
    ["junk after a rule", 'root ::= "a" @', 1, 14, /expected end of line after rule 'root', found '@'/],
    ["minimum above maximum", 'root ::= "a"{3,2}', 1, 13, /minimum above its maximum/],
    ["'{,n}', which llama.cpp lacks", 'root ::= "a"{,3}', 1, 14, /expected a number after '\{'.*'\{0,n\}'/],
    ["unclosed repetition", 'root ::= "a"{2,3', 1, 17, /expected '\}' in repetition, found end of input/],
    ["count over llama.cpp's limit", 'root ::= "a"{2001}', 1, 13, /over llama.cpp's limit of 2000/],
    ["nested repetition over the limit", 'root ::= ("a"{0,50}){0,50}', 1, 21, /more than 2000 rules/],
    ["nothing to repeat", 'root ::= "a" | *', 1, 16, /'\*' has nothing to repeat/],
    ["repeating an empty literal", 'root ::= ""+', 1, 12, /'\+' has nothing to repeat/],
    ["reversed range", "root ::= [z-a]", 1, 11, /range ends before it starts/],
    ["empty class", "root ::= []", 1, 10, /empty character class/],
    ["token reference", "root ::= <[12]>", 1, 10, /token references/],
    ["underscore in a rule name", 'foo_bar ::= "a"\nroot ::= foo', 1, 4, /only letters, digits and '-'/],
    ["a line starting with '|'", 'root ::= "a"\n  | "b"', 2, 3, /expected a rule name, found '\|'.*newline ends a rule/],
    ["missing '::=' after CRLF", 'root ::= "a"\r\nfoo "x"', 2, 5, /expected '::=' after rule name 'foo'/],
    ["duplicate rule", 'root ::= "a"\nroot ::= "b"', 2, 1, /'root' is defined twice \(first at line 1, column 1\)/],
    ["undefined rule", 'root ::= "a" item\nitem ::= thing', 2, 10, /rule 'thing' is not defined/],
    ["missing root rule", 'start ::= "a"', 1, 1, /root rule 'root' is not defined/],
    ["direct left recursion", 'root ::= "a" | root "a"', 1, 16, /left recursion.*\(root -> root\)/],
    ["left recursion through rules", 'root ::= x\nx ::= "a" | y "b"\ny ::= "c" | x "d"', 3, 13, /\(x -> y -> x\)/],
    ["left recursion behind an empty alternative", 'root ::= e root "d" | "a"\ne ::= "b" | ', 1, 12, /llama.cpp refuses/],
    ["left recursion behind '?'", 'root ::= b root "x" | "y"\nb ::= "z"?', 1, 12, /llama.cpp's own check misses/],
    ["repeating what may be empty", 'root ::= ws*\nws ::= | " "', 1, 12, /repeated item can start with an empty alternative/],
  ];
  it.each(cases)("%s", (_what, text, line, column, reason) => {
    const err = errorOf(text);
    expect(err.reason).toMatch(reason);
    expect([err.line, err.column]).toEqual([line, column]);
  });

  it("points at line 1, column 1 for a missing custom root", () => {
    const err = errorOf('root ::= "a"', "start");
    expect([err.line, err.column, err.reason]).toEqual([1, 1, "root rule 'start' is not defined"]);
  });
});
