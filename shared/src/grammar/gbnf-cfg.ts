/**
 * Flattens a GBNF syntax tree into a plain context-free grammar (numbered nonterminals, productions
 * of symbols) for the recogniser. Repetition becomes left recursion: Earley parsing runs that in
 * constant work per character, where llama.cpp's right-recursive rewrite would cost work linear in
 * the length of the run.
 */
import type { GbnfAlternatives, GbnfGrammar, GbnfItem, GbnfSequence } from "./gbnf-ast.js";

/** Code-point ranges as flat `[from, to, from, to, ...]`; `negated` matches everything outside them. */
type CfgTerminal = { readonly negated: boolean; readonly ranges: readonly number[] };

/** Symbols: `n >= 0` is nonterminal n, `n < 0` is terminal `-n - 1`. */
type CfgProduction = { readonly lhs: number; readonly rhs: readonly number[] };

export type Cfg = {
  readonly terminals: readonly CfgTerminal[];
  /** Only productions that can derive some text: what is left after any prefix can still be finished. */
  readonly productions: readonly CfgProduction[];
  /** Production indexes by left-hand side. */
  readonly productionsOf: readonly (readonly number[])[];
  readonly nullable: readonly boolean[];
  /** A nonterminal with the one production `start ::= root`. */
  readonly start: number;
};

const MAX_CODE_POINT = 0x10ffff;

export function terminalMatches(terminal: CfgTerminal, codePoint: number): boolean {
  const { ranges } = terminal;
  for (let i = 0; i < ranges.length; i += 2) {
    if (codePoint >= (ranges[i] ?? 0) && codePoint <= (ranges[i + 1] ?? -1)) return !terminal.negated;
  }
  return terminal.negated;
}

function terminalCanMatch(terminal: CfgTerminal): boolean {
  if (!terminal.negated) return terminal.ranges.some((from, i) => i % 2 === 0 && from <= MAX_CODE_POINT);
  const pairs: [number, number][] = [];
  for (let i = 0; i < terminal.ranges.length; i += 2) pairs.push([terminal.ranges[i] ?? 0, terminal.ranges[i + 1] ?? 0]);
  pairs.sort((a, b) => a[0] - b[0]);
  let firstUncovered = 0;
  for (const [from, to] of pairs) {
    if (from > firstUncovered) return true;
    firstUncovered = Math.max(firstUncovered, to + 1);
  }
  return firstUncovered <= MAX_CODE_POINT;
}

class CfgBuilder {
  readonly terminals: CfgTerminal[] = [];
  readonly productions: CfgProduction[] = [];
  private nonterminals = 0;
  private readonly terminalIds = new Map<string, number>();
  private readonly ruleIds = new Map<string, number>();

  constructor(private readonly grammar: GbnfGrammar) {
    for (const name of grammar.rules.keys()) this.ruleIds.set(name, this.newNonterminal());
    for (const rule of grammar.rules.values()) this.addAlternatives(this.ruleId(rule.name), rule.alternatives);
  }

  get nonterminalCount(): number {
    return this.nonterminals;
  }

  newNonterminal(): number {
    return this.nonterminals++;
  }

  ruleId(name: string): number {
    const id = this.ruleIds.get(name);
    if (id === undefined) throw new Error(`GBNF rule '${name}' is not defined`);
    return id;
  }

  add(lhs: number, rhs: readonly number[]): void {
    this.productions.push({ lhs, rhs });
  }

  private addAlternatives(lhs: number, alternatives: GbnfAlternatives): void {
    for (const sequence of alternatives) this.add(lhs, this.sequence(sequence));
  }

  private sequence(sequence: GbnfSequence): number[] {
    return sequence.flatMap((item) => this.item(item));
  }

  private terminal(negated: boolean, ranges: readonly number[]): number {
    const key = `${negated}:${ranges.join(",")}`;
    let id = this.terminalIds.get(key);
    if (id === undefined) {
      id = this.terminals.push({ negated, ranges }) - 1;
      this.terminalIds.set(key, id);
    }
    return -id - 1;
  }

  private item(item: GbnfItem): number[] {
    switch (item.kind) {
      case "literal":
        return Array.from(item.text, (ch) => {
          const codePoint = ch.codePointAt(0) ?? 0;
          return this.terminal(false, [codePoint, codePoint]);
        });
      case "class":
        return [this.terminal(item.negated, item.ranges.flatMap((range) => [range.from, range.to]))];
      case "any":
        return [this.terminal(true, [])];
      case "ref":
        return [this.ruleId(item.name)];
      case "group": {
        const [only, ...more] = item.alternatives;
        if (only !== undefined && more.length === 0) return this.sequence(only);
        const id = this.newNonterminal();
        this.addAlternatives(id, item.alternatives);
        return [id];
      }
      case "repeat":
        return this.repeat(item.item, item.min, item.max);
    }
  }

  private repeat(body: GbnfItem, min: number, max: number | null): number[] {
    if (max === 0) return [];
    const symbols = this.item(body);
    let unit = symbols[0];
    if (unit === undefined || symbols.length > 1) {
      unit = this.newNonterminal();
      this.add(unit, symbols);
    }
    const out = new Array<number>(min).fill(unit);
    if (max === null) {
      // star ::= | star unit
      const star = this.newNonterminal();
      this.add(star, []);
      this.add(star, [star, unit]);
      out.push(star);
    } else if (max > min) {
      // upTo(k) ::= | upTo(k-1) unit, with upTo(0) left out
      let upTo = -1;
      for (let k = 1; k <= max - min; k++) {
        const next = this.newNonterminal();
        this.add(next, []);
        this.add(next, upTo < 0 ? [unit] : [upTo, unit]);
        upTo = next;
      }
      out.push(upTo);
    }
    return out;
  }
}

/**
 * The nonterminals with some production made only of symbols in the set (terminals decided by
 * `terminalOk`), grown to a fixpoint with a worklist, linear in the grammar's size.
 */
function closure(nonterminals: number, productions: readonly CfgProduction[], terminalOk: (t: number) => boolean): boolean[] {
  const inSet = new Array<boolean>(nonterminals).fill(false);
  const missing = productions.map(({ rhs }) => rhs.filter((symbol) => symbol >= 0 || !terminalOk(-symbol - 1)).length);
  const usedIn: number[][] = Array.from({ length: nonterminals }, () => []);
  productions.forEach(({ rhs }, p) => rhs.forEach((symbol) => symbol >= 0 && usedIn[symbol]?.push(p)));
  const ready = productions.flatMap((_, p) => (missing[p] === 0 ? [p] : []));
  for (let p = ready.pop(); p !== undefined; p = ready.pop()) {
    const lhs = productions[p]?.lhs ?? 0;
    if (inSet[lhs]) continue;
    inSet[lhs] = true;
    for (const user of usedIn[lhs] ?? []) {
      const left = (missing[user] ?? 0) - 1;
      missing[user] = left;
      if (left === 0) ready.push(user);
    }
  }
  return inSet;
}

export function compileGbnfCfg(grammar: GbnfGrammar, root: string): Cfg {
  const builder = new CfgBuilder(grammar);
  const start = builder.newNonterminal();
  builder.add(start, [builder.ruleId(root)]);

  const count = builder.nonterminalCount;
  const { terminals } = builder;
  const usable = terminals.map(terminalCanMatch);
  const productive = closure(count, builder.productions, (t) => usable[t] === true);
  const productions = builder.productions.filter(({ lhs, rhs }) =>
    productive[lhs] && rhs.every((symbol) => (symbol >= 0 ? productive[symbol] : usable[-symbol - 1])),
  );
  const productionsOf: number[][] = Array.from({ length: count }, () => []);
  productions.forEach((production, index) => productionsOf[production.lhs]?.push(index));
  const nullable = closure(count, productions, () => false);
  return { terminals, productions, productionsOf, nullable, start };
}
