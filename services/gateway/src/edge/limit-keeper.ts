import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { decodeMessage, encodeMessage } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { bounded, NATS_TIMEOUT_MS } from "./bounded.js";
import { applyBatch, emptyCounters, fitsWithin, KeyCounters, type AdmitRequest, type CounterOp, type OpOutcome, type Reservation, type Usage } from "./limit-counters.js";

export class LimitsUnavailableError extends Error {
  override name = "LimitsUnavailableError";
}

interface QueuedOp {
  op: CounterOp;
  resolve(outcome: OpOutcome): void;
  reject(err: unknown): void;
}

/** One key's counters as this gateway last saw them, and the operations waiting to be committed. */
interface Lane {
  counters: KeyCounters;
  /** KV revision of `counters`; 0 when the entry does not exist. */
  revision: number;
  /** False until read once, or after a conflict: the next commit reads first. */
  known: boolean;
  /** When `counters` were last confirmed (read, or written by this gateway's compare-and-set). */
  seenAt: number;
  queue: QueuedOp[];
  committing: boolean;
  /** Set while settlements wait for company before their commit starts. */
  linger: NodeJS.Timeout | undefined;
}

/**
 * How long a settlement waits for other operations on its key before it is written. A client
 * calling one request after another sends the next within this: its admission and the previous
 * settlement then share one compare-and-set, instead of the admission waiting behind the
 * settlement's write. Settling later only holds the reservation a little longer (stricter, never looser).
 */
const SETTLE_LINGER_MS = 2;

/**
 * `hasRoom` trusts counters confirmed this recently, and only for a request that fits within this
 * share of every limit: then another replica would have to use up the rest in that time for the
 * admission to fail.
 */
const ROOM_FRESH_MS = 5_000;
const ROOM_SHARE = 0.5;

const isConflict = (err: unknown) =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

export interface LimitKeeperOptions {
  limits: KV;
  logger: Logger;
  /** How long a settlement that cannot reach NATS waits before it is tried again (it doubles up to 5 s). */
  retryMs?: number;
  now?: () => number;
}

/**
 * Shared per-key counters in KV `limits`, exact across gateway replicas through compare-and-set.
 * Operations for one key queued on this gateway are group-committed: each queued admission is
 * decided in order against the current state, and the whole batch is written by one CAS on the
 * revision last seen. On a revision conflict (another replica wrote) the entry is re-read and the
 * batch re-decided. Admissions fail fast when NATS is unreachable; settlements are retried in the
 * background until they land.
 */
export class LimitKeeper {
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly opts: LimitKeeperOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Whether `request` fits well within the key's limits as this gateway last saw them (recently):
   * a hint that its admission is all but certain, so work may start while it is decided. Never
   * an admission.
   */
  hasRoom(counterKey: string, request: AdmitRequest): boolean {
    const lane = this.lanes.get(counterKey);
    const now = this.now();
    if (!lane?.known || now - lane.seenAt > ROOM_FRESH_MS) return false;
    return fitsWithin(lane.counters, request, now, ROOM_SHARE);
  }

  admit(counterKey: string, request: AdmitRequest): Promise<OpOutcome> {
    return this.enqueue(counterKey, { kind: "admit", request });
  }

  settle(counterKey: string, reservation: Reservation, actual: Usage): Promise<void> {
    return this.enqueue(counterKey, { kind: "settle", reservation, actual }).then(() => undefined);
  }

  /** Settlements not yet committed (they are retried until they are). */
  pendingSettlements(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.queue.filter((q) => q.op.kind === "settle").length;
    return n;
  }

  stop(): void {
    this.stopped = true;
    // Settlements still lingering are written now.
    for (const [key, lane] of this.lanes) if (lane.linger) this.startCommit(key, lane);
  }

  private enqueue(counterKey: string, op: CounterOp): Promise<OpOutcome> {
    let lane = this.lanes.get(counterKey);
    if (!lane) {
      lane = { counters: emptyCounters(), revision: 0, known: false, seenAt: 0, queue: [], committing: false, linger: undefined };
      this.lanes.set(counterKey, lane);
    }
    const queued = new Promise<OpOutcome>((resolve, reject) => lane.queue.push({ op, resolve, reject }));
    if (!lane.committing) {
      if (op.kind === "admit" || this.stopped) {
        // Started after the current turn, so everything queued in the same turn shares the first write.
        const started = lane;
        lane.committing = true;
        clearTimeout(lane.linger);
        lane.linger = undefined;
        queueMicrotask(() => void this.commitLoop(counterKey, started));
      } else {
        const lingering = lane;
        lane.linger ??= setTimeout(() => this.startCommit(counterKey, lingering), SETTLE_LINGER_MS);
      }
    }
    return queued;
  }

  private startCommit(key: string, lane: Lane): void {
    clearTimeout(lane.linger);
    lane.linger = undefined;
    if (lane.committing) return;
    lane.committing = true;
    void this.commitLoop(key, lane);
  }

  private async commitLoop(key: string, lane: Lane): Promise<void> {
    let backoff = this.opts.retryMs ?? 200;
    try {
      while (lane.queue.length > 0) {
        try {
          await this.commitOnce(key, lane);
          backoff = this.opts.retryMs ?? 200;
        } catch (err) {
          // NATS unreachable (or an unreadable entry): refuse the admissions now, keep the settlements.
          lane.known = false;
          const admissions = lane.queue.filter((q) => q.op.kind === "admit");
          lane.queue = lane.queue.filter((q) => q.op.kind === "settle");
          for (const q of admissions) q.reject(new LimitsUnavailableError("rate limit counters are unavailable", { cause: err }));
          if (lane.queue.length === 0 || this.stopped) break;
          this.opts.logger.warn({ err, counterKey: key, settlements: lane.queue.length }, "settling limits failed; retrying");
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5_000);
        }
      }
    } finally {
      lane.committing = false;
      if (lane.queue.length === 0 && !lane.known) this.lanes.delete(key);
    }
  }

  /** Commits everything queued now (and whatever arrives while a conflict is resolved). */
  private async commitOnce(key: string, lane: Lane): Promise<void> {
    const batch: QueuedOp[] = [];
    for (;;) {
      batch.push(...lane.queue.splice(0));
      try {
        if (!lane.known) await this.read(key, lane);
        const { counters, outcomes } = applyBatch(lane.counters, batch.map((q) => q.op), this.now());
        const revision = await bounded(
          this.opts.limits.put(key, encodeMessage(KeyCounters, counters), { previousSeq: lane.revision, timeout: NATS_TIMEOUT_MS }),
          "limits write",
        );
        lane.counters = counters;
        lane.revision = revision;
        lane.known = true;
        lane.seenAt = this.now();
        batch.forEach((q, i) => q.resolve(outcomes[i]!));
        return;
      } catch (err) {
        lane.known = false;
        if (!isConflict(err)) {
          // Back in the queue, in order, for the caller to refuse or retry.
          lane.queue.unshift(...batch);
          throw err;
        }
      }
    }
  }

  private async read(key: string, lane: Lane): Promise<void> {
    const entry = await bounded(this.opts.limits.get(key), "limits read");
    if (!entry) {
      lane.counters = emptyCounters();
      lane.revision = 0;
    } else {
      // A deleted entry still has a revision to compare against; an unreadable one is started over.
      lane.counters = emptyCounters();
      if (entry.operation === "PUT") {
        try {
          lane.counters = decodeMessage(KeyCounters, entry.value);
        } catch (err) {
          this.opts.logger.warn({ err, counterKey: key }, "unreadable limit counters; starting them over");
        }
      }
      lane.revision = entry.revision;
    }
    lane.known = true;
    lane.seenAt = this.now();
  }
}
