import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { MAX_SLOT_DIGESTS, type SlotHoldings } from "@lantern/shared/contracts";
import { sharedPrefixLength } from "./prefix-reuse.js";

/** One slot of a model: a context sequence and the prompt cache it keeps between jobs. */
interface Slot {
  readonly index: number;
  readonly sequence: LlamaContextSequence;
  /** When a job last ended on it; the least recently used cache is the first to give way. */
  lastUsedAt: number;
  busy: boolean;
  /** The prompt digest chain of the last job that ran on it (what its cache holds), as gateways know prompts. */
  digests: string[];
}

/** A slot taken for a job, with how much of the job's prompt it already holds. */
interface SlotLease {
  slot: Slot;
  sharedTokens: number;
}

/** What the pool needs of a sequence: the tokens its cache holds. */
type CachedTokens = Pick<LlamaContextSequence, "contextTokens">;

/**
 * The free slots of a model, handed out by prompt: a job gets the free slot whose cached tokens
 * share the longest prefix with its prompt, so a conversation's next turn evaluates only what
 * is new. Ties and misses go to the least recently used slot, whose cache is the least likely
 * to be wanted again. The dispatcher guarantees a free slot exists when `take` is called.
 */
export class SlotPool {
  private readonly all: Slot[];
  private readonly free: Slot[];
  private clock = 0;

  constructor(
    sequences: readonly (LlamaContextSequence | CachedTokens)[],
    /** Told whenever a slot is taken or given back (to announce what the slots hold). */
    private readonly onChange: () => void = () => {},
  ) {
    this.all = sequences.map((sequence, index) => ({ index, sequence: sequence as LlamaContextSequence, lastUsedAt: 0, busy: false, digests: [] }));
    this.free = [...this.all];
  }

  /** Each slot, busy or not, with the digests of what its cache holds. */
  holdings(): SlotHoldings[] {
    return this.all.map((slot) => ({ busy: slot.busy, digests: slot.digests }));
  }

  get freeSlots(): number {
    return this.free.length;
  }

  /** `digests`: the prompt's digest chain, which the slot holds from now on. */
  take(tokens: readonly Token[], digests: readonly string[] = []): SlotLease {
    let best = -1;
    let bestShared = -1;
    for (let i = 0; i < this.free.length; i++) {
      const slot = this.free[i]!;
      const shared = sharedPrefixLength(slot.sequence.contextTokens, tokens);
      if (shared > bestShared || (shared === bestShared && slot.lastUsedAt < this.free[best]!.lastUsedAt)) {
        best = i;
        bestShared = shared;
      }
    }
    if (best < 0) throw new Error("no free slot: the dispatcher starts a job only when one is free");
    const slot = this.free.splice(best, 1)[0]!;
    slot.busy = true;
    slot.digests = digests.slice(-MAX_SLOT_DIGESTS);
    this.onChange();
    return { slot, sharedTokens: bestShared };
  }

  /** `emptied`: the slot's cache was cleared, so it holds nothing worth announcing. */
  release(slot: Slot, emptied = false): void {
    // A counter, not the wall clock: two jobs ending in the same millisecond still order.
    slot.lastUsedAt = ++this.clock;
    slot.busy = false;
    if (emptied) slot.digests = [];
    this.free.push(slot);
    this.onChange();
  }
}
