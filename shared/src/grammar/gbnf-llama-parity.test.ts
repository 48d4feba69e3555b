/**
 * The GBNF parser and matcher against the llama.cpp that node-llama-cpp bundles (its CPU build; no
 * model needed): same grammars accepted, same text matched.
 */
import fc from "fast-check";
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import { beforeAll, describe, expect, it } from "vitest";
import { createGbnfMatcher } from "./gbnf-match.js";
import { GbnfSyntaxError, parseGbnf } from "./gbnf-syntax.js";

let llama: Llama;

beforeAll(async () => {
  llama = await getLlama({ build: "never", gpu: false, logLevel: LlamaLogLevel.disabled });
});

async function llamaAccepts(grammar: string): Promise<boolean> {
  try {
    await llama.createGrammar({ grammar });
    return true;
  } catch {
    return false;
  }
}

/** llama.cpp's own whole-text check; node-llama-cpp marks it internal, so it is reached by name. */
async function llamaMatcher(grammar: string): Promise<(text: string) => boolean> {
  const compiled = (await llama.createGrammar({ grammar })) as unknown as { _testText(text: string): boolean };
  return (text) => compiled._testText(text);
}

function weRefuse(grammar: string): boolean {
  try {
    parseGbnf(grammar);
    return false;
  } catch (err) {
    if (err instanceof GbnfSyntaxError) return true;
    throw err;
  }
}

const postfix = fc.constantFrom("", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "{0}", "{1,3}");
const { alternatives } = fc.letrec<{ item: string; sequence: string; alternatives: string }>((tie) => ({
  item: fc.oneof(
    { maxDepth: 2, depthIdentifier: "group" },
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom('"a"', '"b"', '"ab"', "[ab]", "[^a]", "[a-c]", ".", "x", "y"), postfix).map(([item, op]) => item + op) },
    { weight: 1, arbitrary: fc.constant('""') },
    { weight: 2, arbitrary: fc.tuple(tie("alternatives"), postfix).map(([inner, op]) => `(${inner})${op}`) },
  ),
  sequence: fc.array(tie("item"), { minLength: 1, maxLength: 3 }).map((items) => items.join(" ")),
  alternatives: fc.array(tie("sequence"), { minLength: 1, maxLength: 3 }).map((sequences) => sequences.join(" | ")),
}));
const grammars = fc.tuple(alternatives, alternatives, alternatives).map(([root, x, y]) => `root ::= ${root}\nx ::= ${x}\ny ::= ${y}`);
// Every text of up to 4 characters over the grammars' alphabet. Longer ones are left out: on
// ambiguous grammars llama.cpp's matching time grows exponentially with length.
const texts = [""];
for (let i = 0; texts.length < 121; i++) for (const ch of "abc") texts.push((texts[i] ?? "") + ch);

describe("parity with llama.cpp", () => {
  it("accepts what llama.cpp accepts and matches the same text", async () => {
    let compared = 0;
    let sentences = 0;
    await fc.assert(
      fc.asyncProperty(grammars, async (grammar) => {
        // What we refuse may hang llama.cpp (hidden left recursion), so it is not handed over.
        if (weRefuse(grammar)) return;
        expect(await llamaAccepts(grammar)).toBe(true);
        const theirs = await llamaMatcher(grammar);
        const ours = createGbnfMatcher(grammar);
        for (const text of texts) {
          const matched = ours.matches(text);
          expect(matched, JSON.stringify(text)).toBe(theirs(text));
          if (matched) sentences++;
        }
        compared++;
      }),
      // A fixed seed: some random grammars are so ambiguous that llama.cpp takes minutes on them.
      { numRuns: 100, seed: 1337 },
    );
    expect(compared).toBeGreaterThan(30);
    expect(sentences).toBeGreaterThan(300);
  });

  it.each([
    "",
    'root ::= "abc',
    "root ::= [a-z",
    'root ::= "a\\q"',
    'root ::= ("a" "b"',
    'root ::= "a")',
    'root ::= "a"{,3}',
    'root ::= "a"{2001}',
    'root ::= ("a"{0,50}){0,50}',
    'root ::= *',
    'foo_bar ::= "a"',
    'root ::= "a"\n  | "b"',
    'root ::= "a" thing',
    'start ::= "a"',
    'root ::= root "a" | "b"',
    'root ::= e root | "a"\ne ::= "b" | ',
    'root ::= ws*\nws ::= | " "',
  ])("refuses what llama.cpp refuses: %j", async (grammar) => {
    expect(weRefuse(grammar)).toBe(true);
    expect(await llamaAccepts(grammar)).toBe(false);
  });

  // Where llama.cpp takes a grammar that is surely a mistake, we refuse it.
  it.each([
    ["an empty class (llama.cpp reads it as empty text)", 'root ::= "a" []'],
    ["a reversed range (llama.cpp matches nothing)", "root ::= [z-a]"],
    ["a rule defined twice (llama.cpp keeps the last)", 'root ::= "a"\nroot ::= "b"'],
    ["left recursion behind '?' (llama.cpp's check misses it)", 'root ::= b root | "y"\nb ::= "z"?'],
    ["token references (they match tokens, not text)", "root ::= <[12]>"],
  ])("is stricter about %s", async (_what, grammar) => {
    expect(weRefuse(grammar)).toBe(true);
    expect(await llamaAccepts(grammar)).toBe(true);
  });
});
