/**
 * Decides whether text is in the language of a GBNF grammar, exactly, so tests can check generated
 * grammars against the values they must (and must not) allow.
 */
import type { GbnfGrammar } from "./gbnf-ast.js";
import { type Cfg, compileGbnfCfg } from "./gbnf-cfg.js";
import { checkRoot } from "./gbnf-checks.js";
import { earleyRecognise } from "./gbnf-earley.js";
import { parseGbnf } from "./gbnf-syntax.js";

type GbnfMatcher = {
  /** The whole input is a sentence of the grammar. */
  matches(input: string): boolean;
  /** Some sentence of the grammar starts with the input (what a sampler may have produced so far). */
  prefixOk(input: string): boolean;
};

// Tests check one grammar against many inputs, often passing its text each time: parsing and
// flattening happen once per text (a few recent ones kept) or per parsed grammar and root.
const MAX_CACHED_TEXTS = 64;
const parsedTexts = new Map<string, GbnfGrammar>();
const compiled = new WeakMap<GbnfGrammar, Map<string, Cfg>>();

function parseCached(text: string, root: string): GbnfGrammar {
  const key = `${root}\n${text}`;
  let grammar = parsedTexts.get(key);
  if (!grammar) {
    grammar = parseGbnf(text, { rootRule: root });
    const oldest = parsedTexts.keys().next();
    if (parsedTexts.size >= MAX_CACHED_TEXTS && !oldest.done) parsedTexts.delete(oldest.value);
    parsedTexts.set(key, grammar);
  }
  return grammar;
}

function cfgFor(grammar: GbnfGrammar, root: string): Cfg {
  let byRoot = compiled.get(grammar);
  if (!byRoot) {
    byRoot = new Map();
    compiled.set(grammar, byRoot);
  }
  let cfg = byRoot.get(root);
  if (!cfg) {
    checkRoot(grammar, root);
    cfg = compileGbnfCfg(grammar, root);
    byRoot.set(root, cfg);
  }
  return cfg;
}

function codePoints(text: string): number[] {
  return Array.from(text, (ch) => ch.codePointAt(0) ?? 0);
}

/**
 * A matcher for one grammar and root rule. `rootRule` defaults to the grammar's own root (`root` for
 * text). Throws GbnfSyntaxError when the grammar does not parse or lacks the root rule.
 */
export function createGbnfMatcher(grammar: string | GbnfGrammar, rootRule?: string): GbnfMatcher {
  const parsed = typeof grammar === "string" ? parseCached(grammar, rootRule ?? "root") : grammar;
  const cfg = cfgFor(parsed, rootRule ?? parsed.root);
  return {
    matches: (input) => earleyRecognise(cfg, codePoints(input)).accepted,
    prefixOk: (input) => earleyRecognise(cfg, codePoints(input)).viablePrefix,
  };
}

/** True when the whole input, read as Unicode code points, is in the grammar's language. */
export function gbnfMatches(grammar: string | GbnfGrammar, input: string, rootRule?: string): boolean {
  return createGbnfMatcher(grammar, rootRule).matches(input);
}

/** True when the input is the start of (or all of) some text the grammar matches. */
export function gbnfPrefixOk(grammar: string | GbnfGrammar, input: string, rootRule?: string): boolean {
  return createGbnfMatcher(grammar, rootRule).prefixOk(input);
}
