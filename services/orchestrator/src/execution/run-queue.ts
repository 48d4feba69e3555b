import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { decodeMessage, encodeMessage, PipelineRunCommand, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ensureDurableConsumer, ensurePipelinesStream } from "@lantern/shared/nats";
import type { RunExecutor } from "./run-executor.js";


interface RunQueueOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  executor: RunExecutor;
  /** Runs this orchestrator executes at once: it pulls a command only while it has room. */
  concurrency: number;
  /** A taken command not confirmed within this long goes to another orchestrator. */
  ackWaitMs: number;
  retryDelayMs: number;
  logger: Logger;
}

/** Queues a stored run for execution; `dedupeId` makes a retried publish count once. */
export async function enqueueRun(js: JetStreamClient, names: NatsNames, runId: string, dedupeId = runId): Promise<void> {
  await js.publish(names.subjects.pipelineRun, encodeMessage(PipelineRunCommand, { v: 1, runId }), { msgID: dedupeId });
}

/** Creates (or reuses) the durable consumer every orchestrator replica pulls runs from. */
async function ensureRunConsumer(jsm: JetStreamManager, names: NatsNames, ackWaitMs: number): Promise<string> {
  await ensurePipelinesStream(jsm, names);
  // Tries are counted on the run's row, which survives a redelivery to another replica.
  return ensureDurableConsumer(jsm, names.streams.pipelines, { durable: names.consumers.pipelineRunners, ackWaitMs, maxDeliver: -1 });
}

/**
 * Pulls run commands from PIPELINES, one per free run slot, and keeps each claimed while its
 * run executes. A run of an orchestrator that died is redelivered after ack_wait to another one,
 * which continues it from its checkpoints.
 */
export class RunQueue {
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly opts: RunQueueOptions) {}

  async start(): Promise<void> {
    const durable = await ensureRunConsumer(this.opts.jsm, this.opts.names, this.opts.ackWaitMs);
    const consumer = await this.opts.js.consumers.get(this.opts.names.streams.pipelines, durable);
    this.loops = Array.from({ length: this.opts.concurrency }, () => this.pullLoop(consumer));
  }

  /** Stops pulling; runs in progress are interrupted and handed back to the queue. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
  }

  private async pullLoop(consumer: Consumer): Promise<void> {
    const { logger } = this.opts;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: 2_000 });
      } catch (err) {
        if (signal.aborted) return;
        logger.warn({ err: (err as Error).message }, "could not pull pipeline runs; trying again");
        await sleep(1_000, undefined, { signal }).catch(() => {});
        continue;
      }
      if (!msg) continue;
      if (signal.aborted) {
        msg.nak();
        return;
      }
      await this.handle(msg, signal);
    }
  }

  private async handle(msg: JsMsg, signal: AbortSignal): Promise<void> {
    const { logger } = this.opts;
    let command: PipelineRunCommand;
    try {
      command = decodeMessage(PipelineRunCommand, msg.data);
    } catch (err) {
      logger.error({ err: (err as Error).message, seq: msg.seq }, "terminating an undecodable run command");
      msg.term();
      return;
    }
    const keepClaim = setInterval(() => msg.working(), Math.max(200, this.opts.ackWaitMs / 3));
    try {
      const outcome = await this.opts.executor.execute(command.runId, signal);
      if (outcome === "finished") msg.ack();
      else if (outcome === "retry") msg.nak(this.opts.retryDelayMs);
      else msg.nak();
    } catch (err) {
      // The database or NATS failed under the run: it is tried again, from its checkpoints.
      logger.error({ err, runId: command.runId }, "pipeline run broke off; it will be tried again");
      msg.nak(signal.aborted ? 0 : this.opts.retryDelayMs);
    } finally {
      clearInterval(keepClaim);
    }
  }
}
