import type { Consumer } from "@nats-io/jetstream";
import type { Logger } from "@lantern/shared/logging";
import type { LlamaContextSequence } from "node-llama-cpp";
import { runJob, type RunJobDeps } from "./run-job.js";

const PULL_EXPIRES_MS = 2_000;

/**
 * One slot = one sequence of the model's context and one pull loop. A slot asks JetStream for a
 * job only while it is free, so a worker never holds more jobs than it can run right now.
 */
export class SlotRunner {
  private busy = false;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly sequence: LlamaContextSequence,
    private readonly deps: RunJobDeps,
    private readonly logger: Logger,
  ) {}

  get isFree(): boolean {
    return !this.busy;
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let msg;
      try {
        msg = await this.consumer.next({ expires: PULL_EXPIRES_MS });
      } catch (err) {
        if (this.stopping) break;
        this.logger.warn({ err }, "pull failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!msg) continue;
      if (this.stopping) {
        // Pulled while shutting down: hand it straight back for another worker.
        msg.nak();
        break;
      }
      this.busy = true;
      try {
        await runJob(msg, this.sequence, this.deps);
        // Clear now, after the client has its answer: clearing waits for a pause in the
        // context's batch loop, and doing it at the next job's start would delay that job's
        // first token by as much as the other slots' whole generations.
        await this.sequence.clearHistory();
      } catch (err) {
        this.logger.error({ err }, "job handling failed");
      } finally {
        this.busy = false;
      }
    }
  }

  /** Stops pulling; resolves when the job in hand (if any) has finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }
}
