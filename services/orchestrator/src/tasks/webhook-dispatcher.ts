import type { Logger } from "@lantern/shared/logging";
import { TaskWebhookBody, HttpHeader } from "@lantern/shared/contracts";
import type { TaskRow, TaskStore } from "./task-store.js";
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "./webhook-signature.js";

interface WebhookDispatcherOptions {
  store: TaskStore;
  secret: string;
  /** Deliveries before the webhook counts as failed. */
  maxAttempts: number;
  /** Wait before the first retry, doubled after each failure. */
  backoffMs: number;
  timeoutMs: number;
  pollMs: number;
  logger: Logger;
}

/** The JSON a task's webhook receives. */
function webhookBody(task: TaskRow): TaskWebhookBody {
  return {
    id: task.id,
    object: "task",
    status: task.status,
    kind: task.kind,
    model: task.model,
    pipeline: task.pipeline,
    ...(task.status === "succeeded" ? { result: task.result } : { error: task.error }),
    runId: task.runId,
    usage: { promptTokens: task.promptTokens, completionTokens: task.completionTokens },
    createdAt: task.createdAt.toISOString(),
    finishedAt: task.finishedAt?.toISOString() ?? null,
  };
}

/**
 * POSTs ended tasks to their webhooks, signed, from the table: a delivery that fails (non-2xx or
 * unreachable) is due again after an exponential backoff, and any replica may send it then. Each
 * attempt is recorded with the task.
 */
export class WebhookDispatcher {
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: WebhookDispatcherOptions) {}

  start(): void {
    this.loop = this.deliverLoop();
  }

  /** A task just ended: look at once. */
  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.kick();
    await this.loop;
  }

  private async deliverLoop(): Promise<void> {
    const { store, logger } = this.opts;
    // A claimed delivery is held a little longer than it can take, so no other replica sends it too.
    const holdMs = this.opts.timeoutMs + 5_000;
    while (!this.stopping) {
      const woken = new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.opts.pollMs).unref();
      });
      try {
        for (let task = await store.claimWebhook(holdMs); task && !this.stopping; task = await store.claimWebhook(holdMs)) {
          await this.deliver(task);
        }
      } catch (err) {
        logger.warn({ err: (err as Error).message }, "could not deliver task webhooks; trying again");
      }
      if (!this.stopping) await woken;
    }
  }

  private async deliver(task: TaskRow): Promise<void> {
    const { store, secret, logger } = this.opts;
    const attempt = task.webhookAttempts;
    const body = JSON.stringify(webhookBody(task));
    const timestamp = Math.floor(Date.now() / 1000);
    const startedAt = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(task.webhookUrl!, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Lantern-Webhooks/1",
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
          [HttpHeader.webhookTaskId]: task.id,
          [HttpHeader.webhookAttempt]: String(attempt),
        },
        body,
        // A redirect is an answer, not an invitation to send the signed body elsewhere.
        redirect: "manual",
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => {});
      if (!res.ok) error = `the webhook answered ${res.status}`;
    } catch (err) {
      error = `could not reach the webhook: ${describe(err)}`;
    }
    const ms = Math.round(performance.now() - startedAt);
    const delivered = error === null;
    const next = delivered
      ? ({ state: "delivered" } as const)
      : attempt >= this.opts.maxAttempts
        ? ({ state: "failed" } as const)
        : ({ state: "pending", retryInMs: this.opts.backoffMs * 2 ** (attempt - 1) } as const);
    await store.recordDelivery(task.id, { attempt, statusCode, error, ms }, next);
    logger.info({ taskId: task.id, attempt, statusCode, error, next: next.state }, "task webhook delivery");
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return "timed out";
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
