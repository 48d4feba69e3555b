import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createGbnfMatcher, gbnfMatches, gbnfPrefixOk } from "./gbnf-match.js";
import { GbnfSyntaxError, parseGbnf } from "./gbnf-syntax.js";

// Exactly RFC 8259 JSON, so JSON.parse can referee.
const JSON_GRAMMAR = String.raw`
root   ::= ws value ws
value  ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws ( member ( ws "," ws member )* ws )? "}"
member ::= string ws ":" ws value
array  ::= "[" ws ( value ( ws "," ws value )* ws )? "]"
string ::= "\"" ( [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
ws     ::= [ \t\n\r]*
`;

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe("gbnfMatches on JSON", () => {
  const json = createGbnfMatcher(JSON_GRAMMAR);

  it.each([
    '{"a": 1}',
    ' [1, -0.5e+10, 2E3, 0, "x\\u00e9\\n", true, false, null, {}] ',
    '{"nested": {"list": [[], [{}], [1, [2, [3]]]], "emoji": "😀 ぁ"}}',
    '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
  ])("accepts %s", (text) => {
    expect(json.matches(text)).toBe(true);
  });

  it.each(['{"a": 1,}', "[01]", "{a: 1}", "['x']", '{"a" 1}', '"tab\there"', "[1, 2", "1.", ".5", "-", '"\\x41"', ""])(
    "refuses %s",
    (text) => {
      expect(json.matches(text)).toBe(false);
    },
  );

  it("agrees with JSON.parse on generated JSON and on near-JSON noise", () => {
    fc.assert(
      fc.property(fc.json(), (text) => json.matches(text)),
      { numRuns: 300 },
    );
    const noise = fc.string({
      unit: fc.constantFrom(..."{}[],:\"\\ 01-.eE+tfnu\n".split(""), "true", "null", '"a"', "1"),
      maxLength: 14,
    });
    fc.assert(
      fc.property(noise, (text) => json.matches(text) === isJson(text)),
      { numRuns: 3000 },
    );
  });

  it("handles a document of tens of thousands of characters", () => {
    const doc = JSON.stringify({ items: Array.from({ length: 400 }, (_, id) => ({ id, name: `item ${id}`, ok: id % 2 === 0 })) }, null, 1);
    expect(doc.length).toBeGreaterThan(20_000);
    expect(json.matches(doc)).toBe(true);
    expect(json.matches(doc.replace('"ok": true', '"ok": tru'))).toBe(false);
  });
});

describe("gbnfMatches", () => {
  it("accepts exactly the integers 3..117 for an integer-range grammar", () => {
    const range = createGbnfMatcher('root ::= [3-9] | [1-9] [0-9] | "10" [0-9] | "11" [0-7]');
    for (let n = -5; n <= 300; n++) expect(range.matches(String(n)), String(n)).toBe(n >= 3 && n <= 117);
    for (const text of ["", "03", "7 ", "1e2", "118", "٣"]) expect(range.matches(text), text).toBe(false);
  });

  it("keeps to repetition bounds", () => {
    const cases: [grammar: string, yes: string[], no: string[]][] = [
      ['root ::= "a"{3}', ["aaa"], ["aa", "aaaa"]],
      ['root ::= "a"{2,4}', ["aa", "aaa", "aaaa"], ["a", "aaaaa"]],
      ['root ::= "a"{2,}', ["aa", "a".repeat(50)], ["", "a"]],
      ['root ::= "ab"{2} "c"?', ["abab", "ababc"], ["ab", "abc", "ababcc"]],
      ['root ::= "x" "a"{0} "y"', ["xy"], ["xay"]],
      ['root ::= ("0x" [A-F0-9]{2} " "?){3,5}', ["0xFF 0x12 0xAB", "0xFF 0x12 0xAB 0x00 0x00"], ["0xFF 0x12", "0xFF 0x12 0xAB 0x00 0x00 0x00"]],
      // llama.cpp reads a maximum over 2000 as no maximum.
      ['root ::= "a"{0,2001}', ["a".repeat(2500)], ["b"]],
    ];
    for (const [grammar, yes, no] of cases) {
      for (const text of yes) expect(gbnfMatches(grammar, text), `${grammar} / ${text}`).toBe(true);
      for (const text of no) expect(gbnfMatches(grammar, text), `${grammar} / ${text}`).toBe(false);
    }
  });

  it("matches a{m,n} on exactly m..n a's, and a{m,} on m or more", () => {
    const counts = fc.tuple(fc.nat(8), fc.nat(8), fc.nat(14)).map(([x, y, k]) => [Math.min(x, y), Math.max(x, y), k] as const);
    fc.assert(
      fc.property(counts, ([m, n, k]) => {
        const text = "a".repeat(k);
        expect(gbnfMatches(`root ::= "a"{${m},${n}}`, text)).toBe(k >= m && k <= n);
        expect(gbnfMatches(`root ::= "a"{${m},}`, text)).toBe(k >= m);
      }),
      { numRuns: 200 },
    );
  });

  it("agrees with the equivalent regular expression on random text", () => {
    const pairs: [grammar: string, regex: RegExp][] = [
      ['root ::= ("ab" | "a")* "c"?', /^(ab|a)*c?$/u],
      ['root ::= [ab]{2,3} ([^a] | "aa"){0,2}', /^[ab]{2,3}([^a]|aa){0,2}$/su],
      ['root ::= x+ "." | "-"\nx ::= [a-b] | "c" x', /^([ab]|c+[ab])+\.$|^-$/u],
    ];
    const text = fc.string({ unit: fc.constantFrom("a", "b", "c", ".", "-", "\n"), maxLength: 10 });
    for (const [grammar, regex] of pairs) {
      const matcher = createGbnfMatcher(grammar);
      fc.assert(fc.property(text, (input) => matcher.matches(input) === regex.test(input)), { numRuns: 500 });
    }
  });

  it("negates classes and lets '.' match any one code point, newline included", () => {
    const grammar = 'root ::= [^a-c\\n] "." .';
    expect(gbnfMatches(grammar, "d.\n")).toBe(true);
    expect(gbnfMatches(grammar, "😀.x")).toBe(true);
    expect(gbnfMatches(grammar, "b.x")).toBe(false);
    expect(gbnfMatches(grammar, "\n.x")).toBe(false);
    expect(gbnfMatches(grammar, "d.")).toBe(false);
  });

  it("reads text as code points, not UTF-16 units", () => {
    expect(gbnfMatches("root ::= .", "😀")).toBe(true);
    expect(gbnfMatches("root ::= . .", "😀")).toBe(false);
    expect(gbnfMatches('root ::= "\\U0001F600"+ [ぁ-ゟ]', "😀😀ゆ")).toBe(true);
    expect(gbnfMatches("root ::= [\\U0001F600-\\U0001F64F]", "🙏")).toBe(true);
    expect(gbnfMatches("root ::= [\\U0001F600-\\U0001F64F]", "\ud83d")).toBe(false);
  });

  it("follows multi-line rules with comments", () => {
    const grammar = ["root ::= (", '  "a" # first', "  | item+ # then", ") end", "item ::= [0-9] # digit", 'end ::= "!"'].join("\n");
    expect(gbnfMatches(grammar, "a!")).toBe(true);
    expect(gbnfMatches(grammar, "123!")).toBe(true);
    expect(gbnfMatches(grammar, "a1!")).toBe(false);
  });

  it("steps over rules that match empty text wherever they stand", () => {
    const grammar = 'root ::= e e p e\np ::= e "x"\ne ::= "" | "y"';
    for (const text of ["x", "yx", "yyx", "yyyx", "xy", "yyyxy"]) expect(gbnfMatches(grammar, text), text).toBe(true);
    for (const text of ["", "yyyyx", "xyy"]) expect(gbnfMatches(grammar, text), text).toBe(false);
  });

  it("follows deep right recursion without running out of stack", () => {
    const parens = createGbnfMatcher('root ::= "(" root ")" | ""');
    expect(parens.matches("(".repeat(3000) + ")".repeat(3000))).toBe(true);
    expect(parens.matches("(".repeat(3000) + ")".repeat(2999))).toBe(false);
  });

  it("starts from the rule it is given", () => {
    const grammar = parseGbnf('root ::= "r"\nother ::= "o"');
    expect(gbnfMatches(grammar, "r")).toBe(true);
    expect(gbnfMatches(grammar, "o", "other")).toBe(true);
    expect(gbnfMatches('start ::= "s"', "s", "start")).toBe(true);
    expect(gbnfMatches(parseGbnf('start ::= "s"', { rootRule: "start" }), "s")).toBe(true);
  });

  it("throws GbnfSyntaxError for a bad grammar or a missing root", () => {
    expect(() => gbnfMatches('root ::= "a', "a")).toThrow(GbnfSyntaxError);
    expect(() => gbnfMatches(parseGbnf('root ::= "a"'), "a", "nope")).toThrow("root rule 'nope' is not defined");
  });
});

describe("gbnfPrefixOk", () => {
  it("accepts every prefix of a sentence and refuses text that cannot be finished", () => {
    const json = createGbnfMatcher(JSON_GRAMMAR);
    const doc = '{"a": [1, 2.5e-3, {"b": null}], "c": "\\u00e9"}';
    for (let end = 0; end <= doc.length; end++) expect(json.prefixOk(doc.slice(0, end)), doc.slice(0, end)).toBe(true);
    expect(json.prefixOk('{"a"]')).toBe(false);
    expect(json.prefixOk("[01")).toBe(false);
  });

  it("knows a rule that can never finish is no way forward", () => {
    const grammar = 'root ::= "a" loop | "b"\nloop ::= "x" loop';
    expect(gbnfPrefixOk(grammar, "")).toBe(true);
    expect(gbnfPrefixOk(grammar, "b")).toBe(true);
    expect(gbnfPrefixOk(grammar, "a")).toBe(false);
    expect(gbnfMatches(grammar, "b")).toBe(true);
  });
});
