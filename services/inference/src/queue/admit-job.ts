import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, InferJob, MessageDecodeError } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { WorkerMetrics } from "../metrics/worker-metrics.js";
import type { CancelRegistry } from "./cancel-registry.js";
import type { FlushClock } from "./flush-clock.js";
import type { JobMessage } from "./job-puller.js";
import { startJobTrace, type JobTrace } from "./job-trace.js";
import { recentReplies } from "./recent-replies.js";
import { ReplyPublisher } from "./reply-publisher.js";

interface AdmitJobDeps {
  nc: NatsConnection;
  /** The model this worker serves the job's subject for. */
  modelName: string;
  workerId: string;
  metrics: WorkerMetrics;
  cancels: CancelRegistry;
  /** How often to tell JetStream the job is still being worked on. */
  workingEveryMs: number;
  /** Paces the sending of generated text; none sends every piece at once. */
  flushClock: FlushClock | undefined;
  logger: Logger;
}

/** A job that may run: parsed, for this model, not expired, not cancelled. */
export interface AdmittedJob {
  job: InferJob;
  reply: ReplyPublisher;
  /** Aborted when the client cancels. */
  signal: AbortSignal;
  /** JetStream delivery count: above 1 means a redelivery after a worker was lost. */
  attempt: number;
  queuedMs: number;
  log: Logger;
  /** The job's spans (no-ops with tracing off). */
  trace: JobTrace;
}

/** Tells the sender why its job was refused, when the job says where to answer. */
function answerMalformed(nc: NatsConnection, data: Uint8Array, err: unknown): void {
  let replyTo: unknown;
  try {
    replyTo = (JSON.parse(new TextDecoder().decode(data)) as { replyTo?: unknown }).replyTo;
  } catch {
    return;
  }
  if (typeof replyTo !== "string" || !replyTo || /[\s*>]/.test(replyTo)) return;
  const reason = err instanceof MessageDecodeError ? err.message : "unreadable job";
  new ReplyPublisher(nc, replyTo).error({ code: "invalid_job", message: reason });
}

/**
 * Runs `work` for a pulled job that may run and settles the message: `ack` once answered (done
 * or error), `term` when it can never run (unparseable, another model's, expired, cancelled). A
 * job whose worker dies is neither, so JetStream redelivers it to another worker after `ack_wait`.
 * While `work` runs, the message is kept alive and the job's cancel reaches `signal`.
 */
export async function withAdmittedJob(
  msg: JobMessage,
  deps: AdmitJobDeps,
  /** Resolves "error" when it answered with the error variant. */
  work: (admitted: AdmittedJob) => Promise<"error" | void>,
): Promise<void> {
  const { logger } = deps;
  let job: InferJob;
  try {
    job = decodeMessage(InferJob, msg.data);
  } catch (err) {
    logger.warn({ err: err instanceof MessageDecodeError ? err.message : err, subject: msg.subject }, "dropping malformed job");
    answerMalformed(deps.nc, msg.data, err);
    deps.metrics.jobEnded(deps.modelName, "refused");
    msg.term();
    return;
  }
  const log = logger.child({ requestId: job.requestId });
  const reply = new ReplyPublisher(deps.nc, job.replyTo, deps.flushClock);
  if (job.model !== deps.modelName) {
    reply.error({ code: "model_not_loaded", message: `this worker does not serve ${job.model}` });
    deps.metrics.jobEnded(deps.modelName, "refused");
    msg.term();
    return;
  }
  if (Date.now() > job.startBy) {
    log.info("job expired in the queue; not started");
    deps.metrics.jobEnded(deps.modelName, "expired");
    msg.term();
    return;
  }
  const controller = deps.cancels.register(job.requestId);
  if (!controller) {
    log.info("job cancelled before it started");
    deps.metrics.jobEnded(deps.modelName, "cancelled");
    msg.term();
    return;
  }
  const attempt = msg.info.deliveryCount;
  const queuedMs = Math.max(0, Date.now() - msg.info.timestampNanos / 1e6);
  const keepAlive = setInterval(() => msg.working(), deps.workingEveryMs);
  const ended = recentReplies(deps.nc).track(job.requestId, reply);
  deps.metrics.jobStarted(deps.modelName, queuedMs);
  const trace = startJobTrace(msg, job, deps.workerId);
  let outcome: "done" | "error" = "error";
  try {
    const answered = await trace.run(() => work({ job, reply, signal: controller.signal, attempt, queuedMs, log, trace }));
    outcome = answered === "error" ? "error" : "done";
  } finally {
    deps.metrics.jobEnded(deps.modelName, controller.signal.aborted ? "cancelled" : outcome);
    trace.end();
    clearInterval(keepAlive);
    ended();
    deps.cancels.release(job.requestId);
    msg.ack();
  }
}
