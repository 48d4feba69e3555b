import { describe, expect, it } from "vitest";
import { gbnfCharClassChar, gbnfLiteral, GbnfRules } from "./gbnf-rules.js";
import { gbnfMatches } from "./gbnf-match.js";

describe("GbnfRules", () => {
  it("names rules from their hint, uniquely, and shares a rule between equal bodies", () => {
    const rules = new GbnfRules();
    expect(rules.add("Item Value", `"a"`)).toBe("item-value");
    expect(rules.add("item value", `"b"`)).toBe("item-value-2");
    expect(rules.add("other", `"a"`)).toBe("item-value");
    expect(rules.add("__", `"c"`)).toBe("rule");
    expect(rules.toText()).toBe(`item-value ::= "a"\nitem-value-2 ::= "b"\nrule ::= "c"`);
  });

  it("reserves a name for a recursive rule and refuses to leave it undefined", () => {
    const rules = new GbnfRules();
    const list = rules.reserve("list");
    expect(() => rules.toText()).toThrow(/never defined/);
    rules.define(list, `"(" ${list}* ")"`);
    expect(() => rules.define(list, `"x"`)).toThrow(/already defined/);
    expect(gbnfMatches(`root ::= ${list}\n${rules.toText()}`, "(()(()))")).toBe(true);
    expect(gbnfMatches(`root ::= ${list}\n${rules.toText()}`, "(()")).toBe(false);
  });

  it("defines well-known rules under their exact name, once", () => {
    const rules = new GbnfRules();
    rules.defineFixed("space", `" "?`);
    expect(rules.has("space")).toBe(true);
    expect(rules.add("space", `"x"`)).toBe("space-2");
    expect(() => rules.defineFixed("space", `""`)).toThrow(/already exists/);
    expect(() => rules.defineFixed("bad name", `""`)).toThrow(/not a GBNF rule name/);
  });
});

describe("escaping", () => {
  const awkward = ['"', "\\", "\n", "\r", "\t", "\u0000", "\u001f", "\u007f", "\u0085", "\u00a0", "\u2028", "\ufeff", "[", "]", "-", "^", "é", "😀", "\udbff\udfff"];

  it("spells every character as a literal that matches it and only it", () => {
    const text = awkward.join("");
    const literal = gbnfLiteral(text);
    expect(literal).not.toMatch(/[\n\r\u2028]/);
    expect(gbnfMatches(`root ::= ${literal}`, text)).toBe(true);
    expect(gbnfMatches(`root ::= ${literal}`, text.slice(1))).toBe(false);
  });

  it("spells every character for a class, range ends included", () => {
    for (const ch of awkward) {
      const code = ch.codePointAt(0)!;
      const grammar = `root ::= [${gbnfCharClassChar(code)}] | [^${gbnfCharClassChar(code)}a] "!" | [${gbnfCharClassChar(code)}-${gbnfCharClassChar(code)}] "?"`;
      expect(gbnfMatches(grammar, ch), JSON.stringify(ch)).toBe(true);
      expect(gbnfMatches(grammar, `${ch}?`), JSON.stringify(ch)).toBe(true);
      expect(gbnfMatches(grammar, `${ch}!`), JSON.stringify(ch)).toBe(false);
      expect(gbnfMatches(grammar, "b!"), JSON.stringify(ch)).toBe(true);
    }
  });
});
