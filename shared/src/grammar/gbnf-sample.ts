import { parseGbnf } from "./gbnf-syntax.js";
import type { GbnfAlternatives, GbnfGrammar, GbnfItem, GbnfSequence } from "./gbnf-syntax.js";

/**
 * Random sentences of a grammar: what a model sampling under it could write. Used to check that
 * everything a schema's grammar allows validates against the schema. Characters come mostly from
 * printable ASCII, with a few others, so samples stay readable but still cross escapes and Unicode.
 */
export class GbnfSampler {
  private readonly grammar: GbnfGrammar;
  // Fewest steps to finish each rule: past the depth budget the sampler heads for the exit.
  private readonly cost = new Map<string, number>();

  constructor(
    grammar: string | GbnfGrammar,
    private readonly random: () => number = Math.random,
    private readonly depthBudget = 12,
  ) {
    this.grammar = typeof grammar === "string" ? parseGbnf(grammar) : grammar;
    this.computeCosts();
  }

  sample(): string {
    return this.alternatives(this.grammar.rules.get(this.grammar.root)!.alternatives, 0);
  }

  private computeCosts(): void {
    for (const name of this.grammar.rules.keys()) this.cost.set(name, Infinity);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, rule] of this.grammar.rules) {
        const c = 1 + Math.min(...rule.alternatives.map((seq) => this.seqCost(seq)));
        if (c < this.cost.get(name)!) {
          this.cost.set(name, c);
          changed = true;
        }
      }
    }
  }

  private seqCost(seq: GbnfSequence): number {
    return seq.reduce((sum, item) => sum + this.itemCost(item), 0);
  }

  private itemCost(item: GbnfItem): number {
    switch (item.kind) {
      case "ref":
        return this.cost.get(item.name) ?? Infinity;
      case "group":
        return Math.min(...item.alternatives.map((seq) => this.seqCost(seq)));
      case "repeat":
        return item.min === 0 ? 0 : item.min * this.itemCost(item.item);
      default:
        return 0;
    }
  }

  private pick<T>(options: readonly T[]): T {
    return options[Math.floor(this.random() * options.length)]!;
  }

  private alternatives(alternatives: GbnfAlternatives, depth: number): string {
    let options = alternatives;
    if (depth > this.depthBudget) {
      const best = Math.min(...alternatives.map((seq) => this.seqCost(seq)));
      options = alternatives.filter((seq) => this.seqCost(seq) === best);
    }
    return this.pick(options)
      .map((item) => this.item(item, depth))
      .join("");
  }

  private item(item: GbnfItem, depth: number): string {
    switch (item.kind) {
      case "literal":
        return item.text;
      case "any":
        return this.char([{ from: 0, to: 0x10ffff }], false);
      case "class":
        return this.char(item.ranges, item.negated);
      case "ref":
        return this.alternatives(this.grammar.rules.get(item.name)!.alternatives, depth + 1);
      case "group":
        return this.alternatives(item.alternatives, depth);
      case "repeat": {
        const deep = depth > this.depthBudget;
        const spread = deep ? 0 : Math.min(item.max ?? item.min + 4, item.min + 4) - item.min;
        const count = item.min + Math.floor(this.random() * (spread + 1));
        let out = "";
        for (let i = 0; i < count; i++) out += this.item(item.item, depth + 1);
        return out;
      }
    }
  }

  private char(ranges: readonly { from: number; to: number }[], negated: boolean): string {
    const inSet = (c: number) => ranges.some((r) => r.from <= c && c <= r.to) !== negated;
    const favourites = [...Array.from({ length: 95 }, (_, i) => 0x20 + i), 0x0a, 0xe9, 0x4e2d, 0x1f600].filter(inSet);
    if (favourites.length > 0 && this.random() < 0.95) return String.fromCodePoint(this.pick(favourites));
    for (let tries = 0; tries < 1000; tries++) {
      const range = negated ? { from: 0, to: 0x10ffff } : this.pick(ranges);
      const c = range.from + Math.floor(this.random() * (range.to - range.from + 1));
      if (inSet(c) && !(c >= 0xd800 && c <= 0xdfff)) return String.fromCodePoint(c);
    }
    if (favourites.length > 0) return String.fromCodePoint(this.pick(favourites));
    throw new Error("the character class matches nothing that can be sampled");
  }
}
