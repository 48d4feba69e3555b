import { setTimeout as sleep } from "node:timers/promises";
import { costUsd, usageEventOf, type InferInput, type UsageEvent } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { hasLimits, LimitsUnavailableError, refusalIsFinal, refusalMessage, type KeyStore, type LimitKeeper, type PriceBook, type Refusal, type Reservation } from "@lantern/shared/limits";
import type { UsageOutbox } from "@lantern/shared/nats";

/** Who a model call is made for, as its usage event names it and whose limits admit it. */
export interface CallAccount {
  /** The API key's id (a task's or run's owner); null without one. */
  keyId: string | null;
  /** The API route the work came in by (`/api/v1/tasks`, `/v1/pipelines/runs`). */
  path: string;
}

/** What a model call may use, known before it starts. */
interface CallClaim {
  /** The inference job's id: one per call and try, so work taken over is counted per try. */
  requestId: string;
  model: string;
  input: InferInput;
  maxTokens: number;
}

/** How a model call ended. */
export interface CallOutcome {
  workerIds: string[];
  /** The worker's count; null when it never reported one (the call failed or was stopped). */
  usage: { promptTokens: number; completionTokens: number } | null;
  ttftMs: number | null;
  /** Why it failed; null when it succeeded. */
  error: string | null;
  /** It was stopped (cancelled, or its orchestrator is stopping) rather than failed. */
  stopped?: boolean;
}

/** A model call its key's limits refused: the budget is spent, a long window is full, or the key is gone. */
export class KeyLimitError extends Error {
  override name = "KeyLimitError";
}

interface ModelUsageOptions {
  outbox: UsageOutbox;
  prices: PriceBook;
  keys: KeyStore;
  limits: LimitKeeper;
  orchestratorId: string;
  /** How long a slot of `maxConcurrent` stays taken when its orchestrator dies holding it. */
  holdMs: number;
  /**
   * The longest one wait for room (a window rolling over, a slot freeing) may be: a call its key
   * refuses for longer fails instead. A spent budget never waits.
   */
  maxWaitMs: number;
  logger: Logger;
}

/**
 * The accounting of the model calls the orchestrator makes (a model task, each pipeline stage's
 * models), as the gateway's ledger does for a request: each call is admitted against its key's
 * limits (tokens per window, concurrency, budget) before it starts, waiting for room when that
 * comes soon, and when it ends its reservation is settled with the real tokens and one usage event
 * is published (key, model, worker, tokens, cost at the model's price). The request that queued
 * the work was counted by the gateway; its calls are counted here, so a key cannot spend past its
 * budget through tasks and pipelines.
 */
export class ModelUsage {
  constructor(private readonly opts: ModelUsageOptions) {}

  /**
   * Waits until the account's key admits the call. Throws KeyLimitError (after publishing the
   * refused call's event) when it will not soon, and the signal's reason when it aborts first.
   */
  async admit(account: CallAccount, claim: CallClaim, signal: AbortSignal): Promise<AdmittedCall> {
    const startedAt = Date.now();
    const promptBound = Buffer.byteLength(JSON.stringify(claim.input), "utf8");
    const reserved = { promptTokens: promptBound, completionTokens: claim.maxTokens };
    const admitted = (hold: { keyHash: string; reservation: Reservation } | null) =>
      new AdmittedCall(this, account, claim, startedAt, reserved, hold);
    if (account.keyId === null) return admitted(null);

    for (;;) {
      signal.throwIfAborted();
      const key = this.opts.keys.byKeyId(account.keyId);
      if (!key.found || key.state !== "live") {
        const why = key.found ? `was ${key.state}` : "no longer exists";
        throw this.refused(account, claim, startedAt, 401, "invalid_request_error", `The API key this work belongs to ${why}.`);
      }
      if (!hasLimits(key.policy)) return admitted(null);
      const request = {
        policy: key.policy,
        id: claim.requestId,
        tokens: promptBound + claim.maxTokens,
        costUsd: costUsd(this.opts.prices.priceOf(claim.model), promptBound, claim.maxTokens),
        holdMs: this.opts.holdMs,
        kind: "call" as const,
      };
      let waitMs: number;
      try {
        const outcome = await this.opts.limits.admit(key.hash, request);
        if (outcome.ok) return admitted(outcome.reservation ? { keyHash: key.hash, reservation: outcome.reservation } : null);
        waitMs = this.waitFor(account, claim, startedAt, outcome.refusal);
      } catch (err) {
        // NATS is away for a moment: the call waits for it like for any other room.
        if (!(err instanceof LimitsUnavailableError)) throw err;
        waitMs = 1_000;
      }
      await sleep(waitMs, undefined, { signal });
    }
  }

  /** How long to wait before asking again; throws the KeyLimitError when the wait would be too long. */
  private waitFor(account: CallAccount, claim: CallClaim, startedAt: number, refusal: Refusal): number {
    const waitMs = refusal.retryAfterSeconds === null ? Number.POSITIVE_INFINITY : refusal.retryAfterSeconds * 1000;
    // A budget refusal lasts until the period ends, and a call bigger than a whole window never fits: neither is waited out.
    if (refusal.kind !== "budget" && !refusalIsFinal(refusal) && waitMs <= this.opts.maxWaitMs) return waitMs;
    const message = refusalMessage(refusal, "The API key this work belongs to", "call");
    throw this.refused(account, claim, startedAt, 429, refusal.kind === "budget" ? "insufficient_quota" : refusal.kind, message);
  }

  /** Publishes the refused call's event and returns the error it fails with. */
  private refused(account: CallAccount, claim: CallClaim, startedAt: number, status: number, errorType: string, message: string): KeyLimitError {
    const nothing = { promptTokens: 0, completionTokens: 0 };
    this.opts.outbox.add(this.eventOf(account, claim, startedAt, { workerIds: [], usage: null, ttftMs: null, error: message }, nothing, 0, status, errorType));
    return new KeyLimitError(message);
  }

  /** Settles the call's reservation with what it used, and publishes its event. */
  settle(call: { account: CallAccount; claim: CallClaim; startedAt: number }, hold: { keyHash: string; reservation: Reservation } | null, charged: Tokens, outcome: CallOutcome): void {
    const cost = costUsd(this.opts.prices.priceOf(call.claim.model), charged.promptTokens, charged.completionTokens);
    if (hold) {
      void this.opts.limits
        .settle(hold.keyHash, hold.reservation, { tokens: charged.promptTokens + charged.completionTokens, costUsd: cost })
        .catch((err) => this.opts.logger.error({ err, requestId: call.claim.requestId }, "settling limits failed"));
    }
    const status = outcome.error === null ? 200 : outcome.stopped ? 499 : 500;
    this.opts.outbox.add(this.eventOf(call.account, call.claim, call.startedAt, outcome, charged, cost, status, outcome.error === null ? null : "server_error"));
  }

  private eventOf(account: CallAccount, claim: CallClaim, startedAt: number, outcome: CallOutcome, tokens: Tokens, cost: number, status: number, errorType: string | null): UsageEvent {
    return usageEventOf({
      at: startedAt,
      requestId: claim.requestId,
      gatewayId: this.opts.orchestratorId,
      keyId: account.keyId,
      method: "POST",
      path: account.path,
      model: claim.model,
      provider: "local",
      workerIds: outcome.workerIds,
      status,
      errorType,
      stream: false,
      promptTokens: tokens.promptTokens,
      completionTokens: tokens.completionTokens,
      costUsd: cost,
      ttftMs: outcome.ttftMs,
      latencyMs: Math.max(0, Date.now() - startedAt),
      cacheHit: false,
    });
  }
}

interface Tokens {
  promptTokens: number;
  completionTokens: number;
}

/** A call its key admitted: `finish` it once, however it ends. */
class AdmittedCall {
  private finished = false;

  constructor(
    private readonly usage: ModelUsage,
    readonly account: CallAccount,
    readonly claim: CallClaim,
    readonly startedAt: number,
    private readonly reserved: Tokens,
    private readonly hold: { keyHash: string; reservation: Reservation } | null,
  ) {}

  /**
   * Charges the real tokens when the worker reported them; the whole reservation when text came
   * but no count (the call was stopped mid-answer), so stopping early never spends less; else nothing.
   */
  finish(outcome: CallOutcome): void {
    if (this.finished) return;
    this.finished = true;
    const charged = outcome.usage ?? (outcome.ttftMs !== null ? this.reserved : { promptTokens: 0, completionTokens: 0 });
    this.usage.settle(this, this.hold, charged, outcome);
  }
}
