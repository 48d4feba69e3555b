import type { KV } from "@nats-io/kv";
import { costUsd, decodeMessage, ModelPrice, toModelToken, type UsageEvent } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { UsageOutbox } from "@lantern/shared/nats";
import type { TaskRow } from "./task-store.js";

/** What one try of a model task came to. */
export interface ModelTaskTry {
  /** The inference job's id: one per try, so a task taken over is counted per try. */
  requestId: string;
  /** Epoch ms when the try started. */
  startedAt: number;
  workerIds: string[];
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  /** Why it failed; null when it succeeded. */
  error: string | null;
}

export interface TaskUsageOptions {
  outbox: UsageOutbox;
  /** KV `prices`, as the admin service writes it. */
  prices: KV;
  orchestratorId: string;
  logger: Logger;
}

/**
 * Publishes a usage event for each try of a model task, like the gateway does for a request: the
 * task's key, the model, the worker, the real tokens and their cost at the model's price. The
 * admin service stores them with the rest, so a key's analytics and spend include its tasks.
 */
export class TaskUsage {
  constructor(private readonly opts: TaskUsageOptions) {}

  async record(task: Pick<TaskRow, "owner" | "model">, attempt: ModelTaskTry): Promise<void> {
    const model = task.model ?? "";
    const event: UsageEvent = {
      v: 1,
      type: "usage",
      id: attempt.requestId,
      at: attempt.startedAt,
      requestId: attempt.requestId,
      gatewayId: this.opts.orchestratorId,
      keyId: task.owner,
      method: "POST",
      path: "/api/v1/tasks",
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
    };
    this.opts.outbox.add(event);
  }

  private async priceOf(model: string): Promise<ModelPrice | undefined> {
    try {
      const entry = await this.opts.prices.get(toModelToken(model));
      return entry?.operation === "PUT" ? decodeMessage(ModelPrice, entry.value) : undefined;
    } catch (err) {
      // The event still counts the tokens; its cost stays 0 rather than the event being lost.
      this.opts.logger.warn({ err, model }, "could not read the model's price for a task's usage");
      return undefined;
    }
  }
}
