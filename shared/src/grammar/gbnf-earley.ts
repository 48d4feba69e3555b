/**
 * Earley recogniser over a flattened GBNF grammar. It needs no call stack per nesting level (deeply
 * recursive rules over long text are fine) and, since unproductive productions are already gone, a
 * non-empty last set means the text can still be finished.
 */
import { type Cfg, terminalMatches } from "./gbnf-cfg.js";

type EarleyResult = {
  /** The whole input is a sentence of the grammar. */
  readonly accepted: boolean;
  /** Some sentence of the grammar starts with the input. */
  readonly viablePrefix: boolean;
};

/** Dotted productions ("states") numbered so that moving the dot is `state + 1`. */
type StateTable = {
  readonly firstState: readonly number[];
  readonly lhs: Int32Array;
  readonly complete: Uint8Array;
  readonly next: Int32Array;
};

function stateTable(cfg: Cfg): StateTable {
  const firstState: number[] = [];
  let count = 0;
  for (const { rhs } of cfg.productions) {
    firstState.push(count);
    count += rhs.length + 1;
  }
  const lhs = new Int32Array(count);
  const complete = new Uint8Array(count);
  const next = new Int32Array(count);
  cfg.productions.forEach((production, p) => {
    const base = firstState[p] ?? 0;
    for (let dot = 0; dot <= production.rhs.length; dot++) {
      lhs[base + dot] = production.lhs;
      const symbol = production.rhs[dot];
      if (symbol === undefined) complete[base + dot] = 1;
      else next[base + dot] = symbol;
    }
  });
  return { firstState, lhs, complete, next };
}

class EarleySet {
  readonly states: number[] = [];
  readonly origins: number[] = [];
  /** Item indexes by the nonterminal right after their dot. */
  readonly waiting = new Map<number, number[]>();
  readonly predicted = new Set<number>();
  private readonly seen = new Set<number>();

  constructor(private readonly width: number) {}

  add(state: number, origin: number, table: StateTable): void {
    const key = state * this.width + origin;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const index = this.states.push(state) - 1;
    this.origins.push(origin);
    if (table.complete[state] === 0 && (table.next[state] ?? -1) >= 0) {
      const symbol = table.next[state] ?? 0;
      const list = this.waiting.get(symbol);
      if (list) list.push(index);
      else this.waiting.set(symbol, [index]);
    }
  }

  has(state: number, origin: number): boolean {
    return this.seen.has(state * this.width + origin);
  }
}

const tables = new WeakMap<Cfg, StateTable>();

export function earleyRecognise(cfg: Cfg, input: readonly number[]): EarleyResult {
  let table = tables.get(cfg);
  if (!table) {
    table = stateTable(cfg);
    tables.set(cfg, table);
  }
  const width = input.length + 1;
  const sets: EarleySet[] = [new EarleySet(width)];
  const startProductions = cfg.productionsOf[cfg.start] ?? [];
  for (const p of startProductions) sets[0]?.add(table.firstState[p] ?? 0, 0, table);

  for (let k = 0; k <= input.length; k++) {
    const set = sets[k];
    if (!set || set.states.length === 0) return { accepted: false, viablePrefix: false };
    const codePoint = input[k];
    const following = codePoint === undefined ? undefined : new EarleySet(width);
    if (following) sets.push(following);

    // The set grows while it is walked: completions and predictions add to it.
    for (let i = 0; i < set.states.length; i++) {
      const state = set.states[i] ?? 0;
      const origin = set.origins[i] ?? 0;
      if (table.complete[state] === 1) {
        const originSet = sets[origin];
        const waiters = originSet?.waiting.get(table.lhs[state] ?? -1);
        // When origin === k this list may grow meanwhile; those latecomers step over the (nullable)
        // symbol by themselves below.
        for (let w = 0; originSet && waiters && w < waiters.length; w++) {
          const item = waiters[w] ?? 0;
          set.add((originSet.states[item] ?? 0) + 1, originSet.origins[item] ?? 0, table);
        }
        continue;
      }
      const symbol = table.next[state] ?? 0;
      if (symbol >= 0) {
        if (!set.predicted.has(symbol)) {
          set.predicted.add(symbol);
          for (const p of cfg.productionsOf[symbol] ?? []) set.add(table.firstState[p] ?? 0, k, table);
        }
        // Aycock & Horspool: step over a nullable nonterminal at once, so no completion is missed.
        if (cfg.nullable[symbol]) set.add(state + 1, origin, table);
      } else if (following && codePoint !== undefined) {
        const terminal = cfg.terminals[-symbol - 1];
        if (terminal && terminalMatches(terminal, codePoint)) following.add(state + 1, origin, table);
      }
    }
  }

  const last = sets[input.length];
  const accepted = startProductions.some((p) => last?.has((table.firstState[p] ?? 0) + 1, 0) === true);
  return { accepted, viablePrefix: true };
}
