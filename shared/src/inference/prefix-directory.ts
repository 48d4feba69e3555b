import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { decodeMessage, PrefixHoldings, type NatsNames } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";

interface HeldSlot {
  busy: boolean;
  digests: Set<string>;
}

interface WorkerHoldings {
  /** This process's clock when the holdings arrived. */
  seenAt: number;
  slots: HeldSlot[];
}

/** The worker a job is offered to first, and how deep into the prompt's digest chain its slot matches. */
interface PreferredWorker {
  workerId: string;
  /** Digests of the chain the slot holds (1 = only the first part). */
  depth: number;
}

interface PrefixDirectoryOptions {
  /** Holdings not refreshed for this long are dropped: their worker is gone or no longer serves the model. */
  forgetAfterMs: number;
  /** Whether a worker is alive (its heartbeat is fresh): a job is never sent to a dead worker's lane. */
  alive?: (workerId: string) => boolean;
  now?: () => number;
}

/**
 * What the slots of every worker hold, as they announce it on `prefix.<model>`: the gateway's
 * side of prefix affinity. It answers which worker has a free slot holding the deepest part of
 * a prompt's digest chain, so a conversation's next turn goes where its earlier turns are cached.
 * It only ever advises: the job still goes through the shared queue (see the worker's dispatcher).
 */
export class PrefixDirectory {
  private readonly byModel = new Map<string, Map<string, WorkerHoldings>>();
  private readonly now: () => number;
  private sub: Subscription | undefined;

  constructor(private readonly opts: PrefixDirectoryOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Follows every worker's announcements until `stop`. */
  follow(nc: NatsConnection, names: NatsNames, logger: Logger): void {
    this.sub = nc.subscribe(names.subjects.prefixHoldingsAll, {
      callback: (_err, msg) => {
        try {
          this.note(decodeMessage(PrefixHoldings, msg.data));
        } catch (err) {
          logger.debug({ err, subject: msg.subject }, "ignoring unreadable prefix holdings");
        }
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  note(holdings: PrefixHoldings): void {
    let workers = this.byModel.get(holdings.model);
    if (!workers) this.byModel.set(holdings.model, (workers = new Map()));
    if (holdings.slots.length === 0) {
      workers.delete(holdings.workerId);
      return;
    }
    workers.set(holdings.workerId, {
      seenAt: this.now(),
      slots: holdings.slots.map((s) => ({ busy: s.busy, digests: new Set(s.digests) })),
    });
  }

  /** Whether any worker announced slots of this model (else a request's digests need not be made). */
  hasHolders(model: string): boolean {
    return (this.byModel.get(model)?.size ?? 0) > 0;
  }

  /**
   * The worker with a free slot holding the deepest digest of `chain`; ties go to the one with
   * more free slots. Undefined when no free slot holds any of it.
   */
  preferredWorker(model: string, chain: readonly string[]): PreferredWorker | undefined {
    const workers = this.byModel.get(model);
    if (!workers || chain.length === 0) return undefined;
    const now = this.now();
    let best: (PreferredWorker & { free: number }) | undefined;
    for (const [workerId, held] of workers) {
      if (now - held.seenAt > this.opts.forgetAfterMs) {
        workers.delete(workerId);
        continue;
      }
      if (this.opts.alive && !this.opts.alive(workerId)) continue;
      const free = held.slots.filter((s) => !s.busy);
      let depth = 0;
      for (const slot of free) depth = Math.max(depth, deepestHeld(slot.digests, chain, depth));
      if (depth > 0 && (!best || depth > best.depth || (depth === best.depth && free.length > best.free))) {
        best = { workerId, depth, free: free.length };
      }
    }
    return best && { workerId: best.workerId, depth: best.depth };
  }
}

/** How many leading digests of `chain` the set holds, looking only for more than `atLeast`. */
function deepestHeld(held: Set<string>, chain: readonly string[], atLeast: number): number {
  for (let i = chain.length - 1; i >= atLeast; i--) if (held.has(chain[i]!)) return i + 1;
  return 0;
}
