import { costUsd, usageEventOf, type KeyPolicy, type ModelPrice, type TokenUsage } from "@lantern/shared/contracts";
import type { ApiError } from "../errors/api-error.js";
import { modelAllowed, type Authenticated } from "./caller-auth.js";
import { limitsUnavailable, modelNotAllowed, overLimit } from "./edge-errors.js";
import { rateLimitHeaders } from "./rate-limit-headers.js";
import { hasLimits, LimitsUnavailableError, type AdmitRequest, type LimitKeeper, type Reservation, type Usage } from "@lantern/shared/limits";
import type { UsageOutbox } from "@lantern/shared/nats";
import type { Logger } from "@lantern/shared/logging";
import type { AdmissionClaim, Caller, RequestLedger, ServedBy } from "../context/request-ledger.js";

/** What a ledger settles against: the edge's limit counters, prices and usage outbox (EdgeServices provides them). */
export interface LedgerServices {
  readonly limits: LimitKeeper;
  readonly outbox: UsageOutbox;
  readonly gatewayId: string;
  readonly holdMs: number;
  readonly logger: Logger;
  priceOf(model: string): ModelPrice | undefined;
}

export interface RequestInfo {
  requestId: string;
  method: string;
  path: string;
  /** Epoch ms at arrival. */
  at: number;
}

/**
 * The ledger of one request under key policies: admission against the shared counters, the
 * settlement of what it reserved, and its usage event. `finish` runs once, when the node response
 * closes (last byte written, or the client gone).
 */
export class TrackedLedger implements RequestLedger {
  caller: Caller = { keyId: null, policy: null };
  private keyHash: string | null = null;
  private readonly startedAt = performance.now();
  private model = "";
  private admitted = false;
  private claim: AdmissionClaim | null = null;
  private reservation: Reservation | null = null;
  private provider = "local";
  /** The route step's model that answered, if any. */
  private servedModel: string | null = null;
  private workerIds: Iterable<string> = [];
  private cacheHit = false;
  private stream = false;
  private ttftMs: number | null = null;
  private realUsage: TokenUsage | null = null;
  private errorType: string | null = null;
  /** The status of the error the request ended with, whether sent as the response or in its stream. */
  private errorStatus: number | null = null;
  private droppedStatus: number | null = null;
  private finished = false;
  /** Receives the key's rate-limit headers once its admission is decided (the HTTP response's, when there is one). */
  onLimitHeaders: ((headers: Array<[string, string]>) => void) | undefined;

  constructor(
    private readonly edge: LedgerServices,
    private readonly info: RequestInfo,
  ) {}

  identify(who: Authenticated): void {
    this.keyHash = who.keyHash;
    this.caller = { keyId: who.policy?.keyId ?? null, policy: who.policy };
  }

  admitNow(claim: AdmissionClaim): boolean {
    const policy = this.beginAdmission(claim);
    if (!policy || !this.keyHash) return true;
    const reservation = this.edge.limits.admitFromLease(this.keyHash, this.admitRequest(policy, claim));
    if (!reservation) {
      this.admitted = false;
      return false;
    }
    this.admitted = true;
    this.claim = claim;
    this.reservation = reservation;
    this.reportLimits(policy);
    return true;
  }

  async admit(claim: AdmissionClaim): Promise<void> {
    const policy = this.beginAdmission(claim);
    if (!policy || !this.keyHash) return;
    const reservation = await this.decide(this.keyHash, this.admitRequest(policy, claim));
    this.claim = claim;
    this.reservation = reservation;
    this.reportLimits(policy);
    // The client left while the admission was being decided: nothing will run, give it all back.
    if (this.finished && this.reservation) this.settle(this.reservation, { tokens: 0, costUsd: 0 });
  }

  async admitSubmission(): Promise<void> {
    if (this.admitted) throw new Error("a request is admitted at most once");
    this.admitted = true;
    const { policy } = this.caller;
    if (!policy || !this.keyHash || !hasLimits(policy)) return;
    // It reserves no tokens, cost or slot: there is nothing to settle afterwards.
    await this.decide(this.keyHash, { policy, id: this.info.requestId, tokens: 0, costUsd: 0, holdMs: this.edge.holdMs, kind: "submission" });
    this.reportLimits(policy);
  }

  /** The shared counters' answer: the reservation, or the 429/503 the client gets. */
  private async decide(keyHash: string, request: AdmitRequest): Promise<Reservation | null> {
    let outcome;
    try {
      outcome = await this.edge.limits.admit(keyHash, request);
    } catch (err) {
      this.admitted = false;
      if (err instanceof LimitsUnavailableError) throw limitsUnavailable();
      throw err;
    }
    if (!outcome.ok) {
      this.admitted = false;
      this.reportLimits(request.policy);
      throw overLimit(outcome.refusal);
    }
    return outcome.reservation ?? null;
  }

  private reportLimits(policy: KeyPolicy): void {
    if (!this.onLimitHeaders || !this.keyHash || policy.rateLimits.length === 0) return;
    const headers = rateLimitHeaders(this.edge.limits.standing(this.keyHash, policy));
    if (headers.length > 0) this.onLimitHeaders(headers);
  }

  /** Checks model access and marks the request admitted; returns the policy whose limits still have to admit it, if any. */
  private beginAdmission(claim: AdmissionClaim): KeyPolicy | null {
    if (this.admitted) throw new Error("a request is admitted at most once");
    this.model = claim.model;
    const { policy } = this.caller;
    if (!modelAllowed(policy, claim.model)) throw modelNotAllowed(claim.model);
    this.admitted = true;
    return policy && this.keyHash && hasLimits(policy) ? policy : null;
  }

  hasRoom(claim: AdmissionClaim): boolean {
    const { policy } = this.caller;
    if (this.admitted || !policy || !this.keyHash || !hasLimits(policy) || !modelAllowed(policy, claim.model)) return false;
    return this.edge.limits.hasRoom(this.keyHash, this.admitRequest(policy, claim));
  }

  /** What the claim reserves in the key's counters: its tokens at most, and their cost. */
  private admitRequest(policy: KeyPolicy, claim: AdmissionClaim): AdmitRequest {
    return {
      policy,
      id: this.info.requestId,
      tokens: claim.promptTokensEstimate + claim.completionTokensLimit,
      costUsd: costUsd(this.reservedPrice(claim), claim.promptTokensEstimate, claim.completionTokensLimit),
      holdMs: this.edge.holdMs,
    };
  }

  /**
   * The price a claim reserves at: its model's own, else (a route) the dearest of the models that
   * may answer it, input and output alike, so whichever step serves cannot cost more than reserved.
   */
  private reservedPrice(claim: AdmissionClaim): ModelPrice | undefined {
    const own = this.edge.priceOf(claim.model);
    if (own || !claim.servedAs) return own;
    let dearest: ModelPrice | undefined;
    for (const model of claim.servedAs) {
      const price = this.edge.priceOf(model);
      if (!price) continue;
      dearest = dearest
        ? { ...dearest, inputPerMTokUsd: Math.max(dearest.inputPerMTokUsd, price.inputPerMTokUsd), outputPerMTokUsd: Math.max(dearest.outputPerMTokUsd, price.outputPerMTokUsd) }
        : price;
    }
    return dearest;
  }

  /** The price the usage is charged at: the asked model's own, else that of the step's model that answered. */
  private chargedPrice(): ModelPrice | undefined {
    return this.edge.priceOf(this.model) ?? (this.servedModel === null ? undefined : this.edge.priceOf(this.servedModel));
  }

  requestedModel(model: string): void {
    this.model = model;
  }

  servedBy(info: ServedBy): void {
    if (info.provider !== undefined) this.provider = info.provider;
    if (info.workerIds !== undefined) this.workerIds = info.workerIds;
    if (info.cacheHit !== undefined) this.cacheHit = info.cacheHit;
    if (info.model !== undefined) this.servedModel = info.model;
  }

  streaming(): void {
    this.stream = true;
  }

  firstOutput(): void {
    this.ttftMs ??= performance.now() - this.startedAt;
  }

  usage(tokens: TokenUsage): void {
    this.realUsage = { promptTokens: tokens.promptTokens, completionTokens: tokens.completionTokens, cachedTokens: tokens.cachedTokens ?? 0 };
  }

  failed(error: ApiError): void {
    this.errorType = error.type;
    this.errorStatus = error.status;
  }

  dropped(error: ApiError): void {
    this.failed(error);
    this.droppedStatus = error.status;
  }

  /** Settles the reservation and publishes the usage event; later calls do nothing. */
  finish(sent: number): void {
    if (this.finished) return;
    this.finished = true;
    const status = this.droppedStatus ?? sent;
    const latencyMs = performance.now() - this.startedAt;
    const charged = this.chargedUsage();
    const cost = costUsd(this.chargedPrice(), charged.promptTokens, charged.completionTokens);
    // A cache hit reports the replayed usage but is charged one request only.
    const reported = this.cacheHit && this.realUsage ? this.realUsage : charged;
    if (this.reservation) {
      this.settle(this.reservation, { tokens: charged.promptTokens + charged.completionTokens, costUsd: cost, unserved: this.unserved(status) });
    }
    const event = usageEventOf({
      at: this.info.at,
      requestId: this.info.requestId,
      gatewayId: this.edge.gatewayId,
      keyId: this.caller.keyId,
      method: this.info.method,
      path: this.info.path,
      model: this.model,
      servedModel: this.servedModel,
      provider: this.provider,
      workerIds: [...this.workerIds],
      status,
      errorType: this.errorType,
      stream: this.stream,
      promptTokens: reported.promptTokens,
      cachedTokens: reported.cachedTokens ?? 0,
      completionTokens: reported.completionTokens,
      costUsd: cost,
      ttftMs: this.ttftMs,
      latencyMs,
      cacheHit: this.cacheHit,
    });
    // A stream may be resumed at another gateway, which publishes this same event: alone in its
    // message, JetStream keeps one by its id.
    this.edge.outbox.add(event, { alone: this.stream });
  }

  /**
   * Whether the server failed the request before anything came out of it (no worker, no queue, an
   * upstream down): its request then does not count against the key's request limits.
   */
  private unserved(status: number): boolean {
    const serverFailed = status >= 500 || (this.errorStatus ?? 0) >= 500;
    return serverFailed && this.ttftMs === null && this.realUsage === null && !this.cacheHit;
  }

  private settle(reservation: Reservation, actual: Usage): void {
    if (!this.keyHash) return;
    void this.edge.limits
      .settle(this.keyHash, reservation, actual)
      .catch((err) => this.edge.logger.error({ err, requestId: this.info.requestId }, "settling limits failed"));
  }

  /**
   * What the request is charged: the real usage when the worker reported it; nothing for a cache
   * hit; the whole reservation when text went out but the usage never came (the client left
   * mid-stream), so leaving early never spends less than staying; otherwise nothing was generated.
   */
  private chargedUsage(): TokenUsage {
    if (this.cacheHit) return { promptTokens: 0, completionTokens: 0 };
    if (this.realUsage) return this.realUsage;
    if (this.ttftMs !== null && this.claim) return { promptTokens: this.claim.promptTokensEstimate, completionTokens: this.claim.completionTokensLimit };
    return { promptTokens: 0, completionTokens: 0 };
  }
}
