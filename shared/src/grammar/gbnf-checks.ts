/** Checks on a whole parsed GBNF grammar, after its syntax: references, root rule, left recursion. */
import type { GbnfAlternatives, GbnfGrammar, GbnfItem } from "./gbnf-ast.js";
import { checkGbnfLeftRecursion } from "./gbnf-left-recursion.js";
import { GbnfSyntaxError } from "./gbnf-syntax-error.js";

function forEachItem(alternatives: GbnfAlternatives, visit: (item: GbnfItem) => void): void {
  for (const sequence of alternatives) {
    for (const item of sequence) {
      visit(item);
      if (item.kind === "group") forEachItem(item.alternatives, visit);
      if (item.kind === "repeat") forEachItem([[item.item]], visit);
    }
  }
}

/** Throws GbnfSyntaxError (at line 1, column 1) when the grammar has no rule of this name. */
export function checkRoot(grammar: GbnfGrammar, root: string): void {
  if (!grammar.rules.has(root)) throw new GbnfSyntaxError(`root rule '${root}' is not defined`, 1, 1);
}

/**
 * Throws GbnfSyntaxError for the first problem, in this order: a reference to an undefined rule (the
 * first in the text), a missing root rule, left recursion. Like llama.cpp, every rule is checked,
 * reachable from the root or not.
 */
export function checkGbnfGrammar(grammar: GbnfGrammar): void {
  for (const rule of grammar.rules.values()) {
    forEachItem(rule.alternatives, (item) => {
      if (item.kind === "ref" && !grammar.rules.has(item.name)) {
        throw new GbnfSyntaxError(`rule '${item.name}' is not defined`, item.at.line, item.at.column);
      }
    });
  }
  checkRoot(grammar, grammar.root);
  checkGbnfLeftRecursion(grammar);
}
