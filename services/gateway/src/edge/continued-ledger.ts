import { costUsd, usageEventOf, type StreamRecord, type TokenUsage } from "@lantern/shared/contracts";
import type { ApiError } from "../errors/api-error.js";
import type { EdgeServices } from "./edge-services.js";
import type { Caller, ServedBy } from "../context/request-ledger.js";
import { UntrackedLedger } from "./untracked-ledger.js";

/**
 * The accounting of a stream resumed here after the gateway that started it went away: the
 * usage event is the original request's (its id, key, path and arrival), so that whichever
 * gateway sees the end publishes it and the store keeps one (JetStream and admin dedupe by id).
 * Nothing is admitted again: the request was admitted where it started.
 */
export class ContinuedLedger extends UntrackedLedger {
  override readonly caller: Caller;
  private workerIds: string[] = [];
  private realUsage: TokenUsage | null = null;
  private errorType: string | null = null;
  private droppedStatus: number | null = null;
  private finished = false;

  constructor(
    private readonly edge: EdgeServices,
    private readonly record: StreamRecord,
  ) {
    super();
    this.caller = { keyId: record.keyId, policy: null };
  }

  override servedBy(info: ServedBy): void {
    if (info.workerIds !== undefined) this.workerIds = [...info.workerIds];
  }

  override usage(tokens: TokenUsage): void {
    this.realUsage = { promptTokens: tokens.promptTokens, completionTokens: tokens.completionTokens, cachedTokens: tokens.cachedTokens ?? 0 };
  }

  override failed(error: ApiError): void {
    this.errorType = error.type;
  }

  override dropped(error: ApiError): void {
    this.errorType = error.type;
    this.droppedStatus = error.status;
  }

  /** Publishes the original request's usage event, once: only when the job's end was seen (usage or an error). */
  finish(sent: number): void {
    if (this.finished || (!this.realUsage && !this.errorType)) return;
    this.finished = true;
    const { record } = this;
    const usage = this.realUsage ?? { promptTokens: 0, completionTokens: 0 };
    const model = record.shape.model;
    const event = usageEventOf({
      at: record.at,
      requestId: record.requestId,
      gatewayId: this.edge.gatewayId,
      keyId: record.keyId,
      method: record.method,
      path: record.path,
      model,
      provider: "local",
      workerIds: this.workerIds,
      status: this.droppedStatus ?? sent,
      errorType: this.errorType,
      stream: true,
      promptTokens: usage.promptTokens,
      cachedTokens: usage.cachedTokens ?? 0,
      completionTokens: usage.completionTokens,
      costUsd: costUsd(this.edge.priceOf(model), usage.promptTokens, usage.completionTokens),
      // The first text reached the client through the gateway that is gone.
      ttftMs: null,
      latencyMs: Math.max(0, Date.now() - record.at),
      cacheHit: false,
    });
    // The gateway it started at, or another reader of it, may publish the same event: alone in its
    // message, JetStream keeps one by its id.
    this.edge.outbox.add(event, { alone: true });
  }
}
