import type { KV } from "@nats-io/kv";
import { costUsd, decodeMessage, ModelPrice, toModelToken, usageEventOf } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { UsageOutbox } from "@lantern/shared/nats";

/** Who a model call is made for, as its usage event names it. */
export interface CallAccount {
  /** The API key's id (a task's owner); null without one. */
  keyId: string | null;
  /** The API route the work came in by (`/api/v1/tasks`, `/v1/pipelines/runs`). */
  path: string;
}

/** What one model call came to. */
export interface ModelCallUsage {
  /** The inference job's id: one per call and try, so work taken over is counted per try. */
  requestId: string;
  model: string;
  /** Epoch ms when the try started. */
  startedAt: number;
  workerIds: string[];
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  /** Why it failed; null when it succeeded. */
  error: string | null;
}

export interface ModelUsageOptions {
  outbox: UsageOutbox;
  /** KV `prices`, as the admin service writes it. */
  prices: KV;
  orchestratorId: string;
  logger: Logger;
}

/**
 * Publishes a usage event for each model call the orchestrator makes (a model task, a pipeline
 * stage's model), like the gateway does for a request: the key, the model, the worker, the real
 * tokens and their cost at the model's price. The admin service stores them with the rest, so
 * analytics and a key's spend report include work done by tasks and pipelines.
 */
export class ModelUsage {
  constructor(private readonly opts: ModelUsageOptions) {}

  async record(account: CallAccount, attempt: ModelCallUsage): Promise<void> {
    const { model } = attempt;
    const event = usageEventOf({
      at: attempt.startedAt,
      requestId: attempt.requestId,
      gatewayId: this.opts.orchestratorId,
      keyId: account.keyId,
      method: "POST",
      path: account.path,
      model,
      provider: "local",
      workerIds: attempt.workerIds,
      status: attempt.error === null ? 200 : 500,
      errorType: attempt.error === null ? null : "server_error",
      stream: false,
      promptTokens: attempt.promptTokens,
      completionTokens: attempt.completionTokens,
      costUsd: costUsd(await this.priceOf(model), attempt.promptTokens, attempt.completionTokens),
      ttftMs: attempt.ttftMs,
      latencyMs: Math.max(0, Date.now() - attempt.startedAt),
      cacheHit: false,
    });
    this.opts.outbox.add(event);
  }

  private async priceOf(model: string): Promise<ModelPrice | undefined> {
    try {
      const entry = await this.opts.prices.get(toModelToken(model));
      return entry?.operation === "PUT" ? decodeMessage(ModelPrice, entry.value) : undefined;
    } catch (err) {
      // The event still counts the tokens; its cost stays 0 rather than the event being lost.
      this.opts.logger.warn({ err, model }, "could not read the model's price for a usage event");
      return undefined;
    }
  }
}
