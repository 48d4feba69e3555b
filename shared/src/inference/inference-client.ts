import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import {
  encodeMessage,
  InferJob,
  JobHeader,
  toModelToken,
  type GenerationSpec,
  type InferReply,
  type NatsNames,
  type Priority,
} from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { publishThroughLeaderLoss } from "../nats/leader-loss-publish.js";
import { InferenceCall, type InferenceErrors, type JobRun } from "./inference-call.js";
import { JobWatch, type JobObserver } from "./job-watch.js";
import { promptPrefixDigests } from "./prefix-digest.js";
import type { PrefixDirectory } from "./prefix-directory.js";
import { ReplyQueue } from "./reply-queue.js";
import { resentAcceptance } from "./resent-replies.js";
import { keptReplyQueue } from "./resumable-streams.js";
import type { ReplyRouter } from "./reply-router.js";

/** Told when a job enters the queue and when it leaves it (a worker took it, or it was withdrawn). */
interface JobQueueObserver {
  noteQueued(model: string, priority: Priority, streamSeq: number): void;
  noteLeft(model: string, streamSeq: number): void;
}

interface InferenceClientOptions<E> {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  router: ReplyRouter;
  /** How long a job may wait for a free slot before it is withdrawn. */
  queueTimeoutMs: number;
  /** How long a started job may go without any reply (covers a worker lost and the job redelivered). */
  stallTimeoutMs: number;
  errors: InferenceErrors<E>;
  queues?: JobQueueObserver;
  /** Told each job's time to first output and its whole time. */
  observer?: JobObserver;
  /**
   * Prefix affinity: a job is offered first to the worker whose free slot holds most of its
   * prompt, which the other workers leave it to for `waitMs` at most. Absent: no preference.
   */
  prefixes?: { directory: PrefixDirectory; waitMs: number } | undefined;
  logger: Logger;
}

export interface SubmitRequest {
  requestId: string;
  model: string;
  priority: Priority;
  /** What to generate, carried to the worker as it is. */
  job: GenerationSpec;
  /** Aborted when the caller goes away: the job is withdrawn or cancelled. */
  signal: AbortSignal;
  /** Replies go to a kept subject (stream REPLIES), so the stream can be resumed elsewhere for a while. */
  keep?: boolean | undefined;
}

/** The spec without its unset optional fields: they stay off the wire. */
function withoutUnset(spec: GenerationSpec): GenerationSpec {
  const { format, tools, reasoning, logprobs, ...required } = spec;
  return { ...required, ...(format ? { format } : {}), ...(tools ? { tools } : {}), ...(reasoning ? { reasoning } : {}), ...(logprobs ? { logprobs } : {}) };
}

const KEPT_REPLY_TRIES = 10;
/** When, after the link is back, awaited jobs' replies are asked for again (beside at once). */
const RESEND_ASKS_AFTER_MS = [1_000, 3_000];
const KEPT_REPLY_PAUSE_MS = 500;

/** The run whose replies the caller reads now, and how many times replies were got again. */
interface LostReplies {
  jobId: string;
  cancel(): void;
  recoveries: number;
  /** Runs queued so far: the next one's id ends in `~<runs + 1>`. */
  runs: number;
}

/** One run of a job on the queue, with its first reply (or why none came). */
interface QueuedJob {
  jobId: string;
  queue: ReplyQueue;
  first: InferReply | "timeout" | "aborted";
  preferred: string | undefined;
  cancel(): void;
  /** Withdraws the job: out of the queue, or stopped if a worker took it. */
  withdraw(): void;
  /** Stops listening for its replies. */
  finish(): void;
}

/** Publishes jobs on the INFER work queue and follows their replies. */
export class InferenceClient<E> {
  /** Counts the NATS link's drops and returns: replies sent while it was down never arrive. */
  private linkChanges = 0;

  constructor(private readonly opts: InferenceClientOptions<E>) {
    void (async () => {
      for await (const status of opts.nc.status()) {
        if (status.type !== "disconnect" && status.type !== "reconnect") continue;
        this.linkChanges++;
        if (status.type === "reconnect") this.askRepliesAgain();
      }
    })();
  }

  /**
   * Replies sent while the link was down (or its node hung) are lost: each awaited job's worker is
   * asked to send them again, whole (a job it ended lately sends its end too). Asked again a little
   * later as well: a worker on the same lost node may not be back yet to hear the first ask.
   */
  private askRepliesAgain(): void {
    const ask = () => {
      for (const jobId of this.opts.router.awaited()) this.askResend(jobId);
    };
    ask();
    for (const afterMs of RESEND_ASKS_AFTER_MS) setTimeout(ask, afterMs).unref();
  }

  private askResend(jobId: string): void {
    try {
      this.opts.nc.publish(this.opts.names.subjects.resend(jobId));
    } catch {
      // The connection drains or closed (the service stops): no job to ask for.
    }
  }

  /** The worker whose free slot holds most of the request's prompt, when affinity is on and one does. */
  private preferredWorker(request: SubmitRequest): string | undefined {
    const prefixes = this.opts.prefixes;
    const { input, tools } = request.job;
    if (!prefixes || prefixes.waitMs <= 0 || input.kind === "embed" || !prefixes.directory.hasHolders(request.model)) return undefined;
    return prefixes.directory.preferredWorker(request.model, promptPrefixDigests(input, tools))?.workerId;
  }

  /**
   * Queues the job and resolves once a worker accepted it. Throws E when no slot frees up
   * within the queue timeout (the job is withdrawn) or the worker refuses the job.
   */
  async submit(request: SubmitRequest, promptParam: string): Promise<InferenceCall<E>> {
    const { router, errors, logger } = this.opts;
    const watch = new JobWatch(request.model, request.requestId, this.opts.observer);
    let attempt: QueuedJob = await this.queueJob(request, request.requestId, watch);
    const lost: LostReplies = { jobId: attempt.jobId, cancel: attempt.cancel, recoveries: 0, runs: 1 };
    if (typeof attempt.first !== "string" && attempt.first.kind !== "accepted" && attempt.first.kind !== "error") {
      // Replies come over core NATS: a gateway reconnecting to another node (its node was lost)
      // misses those sent meanwhile. Nothing reached the caller yet.
      logger.warn({ requestId: request.requestId, got: attempt.first.kind }, "the worker's acceptance was lost; asking for the job's replies again");
      const resent = await resentAcceptance(attempt.queue, () => this.askResend(lost.jobId), request.signal);
      const again = resent ? null : await this.repliesAgain(request, lost, watch);
      attempt = resent ? { ...attempt, first: resent } : again ? { ...attempt, ...again, first: again.accepted } : attempt;
    }
    const { first, queue } = attempt;
    const jobId = lost.jobId;
    if (first === "timeout" || first === "aborted") {
      watch.end(first === "aborted" ? "cancelled" : "error", first === "timeout" ? "no free slot" : undefined);
      if (first === "aborted") throw errors.callerGone();
      throw errors.noSlot(`No worker for '${request.model}' had a free slot within ${this.opts.queueTimeoutMs} ms.`);
    }
    if (first.kind === "error") {
      router.unregister(jobId);
      watch.end("error", first.code);
      throw errors.fromWorker(first, promptParam);
    }
    if (first.kind !== "accepted") {
      attempt.withdraw();
      watch.end("error", "out of order");
      throw errors.internal("The worker answered out of order.");
    }
    watch.accepted(first.workerId, first.attempt);
    if (attempt.preferred) this.opts.observer?.affinity?.(request.model, first.workerId === attempt.preferred ? "preferred" : "elsewhere");
    const linkAt = this.linkChanges;
    return new InferenceCall(first, queue, {
      watch,
      stallTimeoutMs: this.opts.stallTimeoutMs,
      signal: request.signal,
      promptParam,
      errors,
      onFinish: attempt.finish,
      cancel: attempt.cancel,
      linkDropped: () => this.linkChanges !== linkAt,
      askResend: () => this.askResend(lost.jobId),
      rerun: () => this.repliesAgain(request, lost, watch),
    });
  }

  /**
   * The replies of a job whose replies were lost on the way, from its first. A resumable stream's
   * are first read back from stream REPLIES (the same run: what another gateway resuming it would
   * see). Otherwise, or when REPLIES lost some too, the job runs again under an id of its own,
   * whose replies cannot mix with the run before (cancelled), with the same seed. Null when
   * neither can be had.
   */
  private async repliesAgain(request: SubmitRequest, lost: LostReplies, watch: JobWatch): Promise<JobRun | null> {
    const { router, logger } = this.opts;
    const round = ++lost.recoveries;
    logger.warn({ requestId: request.requestId, jobId: lost.jobId, round }, "a job's replies were lost on the way; getting them again from REPLIES or a new run");
    router.unregister(lost.jobId);
    if (request.keep && round === 1) {
      const kept = await this.keptReplies(lost.jobId, request.signal);
      if (kept) return { ...kept, cancel: lost.cancel };
    }
    lost.cancel();
    const again = await this.queueJob(request, `${request.requestId}~${++lost.runs}`, watch).catch(() => null);
    if (!again) return null;
    if (typeof again.first === "string" || again.first.kind !== "accepted") {
      again.withdraw();
      return null;
    }
    lost.jobId = again.jobId;
    lost.cancel = again.cancel;
    return { accepted: again.first, queue: again.queue, cancel: again.cancel, finish: again.finish };
  }

  /** A job's kept replies from its first, tried for a few seconds: REPLIES may be electing a leader (a node lost). */
  private async keptReplies(jobId: string, signal: AbortSignal): Promise<Omit<JobRun, "cancel"> | null> {
    const { js, names, logger } = this.opts;
    for (let tries = 0; tries < KEPT_REPLY_TRIES && !signal.aborted; tries++) {
      const kept = await keptReplyQueue(js, names, jobId, logger).catch(() => null);
      if (kept) {
        const first = await kept.queue.next(this.opts.stallTimeoutMs, signal);
        if (typeof first !== "string" && first.kind === "accepted") return { accepted: first, queue: kept.queue, finish: kept.close };
        kept.close();
        return null;
      }
      await new Promise((r) => setTimeout(r, KEPT_REPLY_PAUSE_MS));
    }
    return null;
  }

  /** Queues one run of the request's job under `jobId` and waits for its first reply (a job waited out is withdrawn). */
  private async queueJob(request: SubmitRequest, jobId: string, watch: JobWatch): Promise<QueuedJob> {
    const { nc, js, jsm, names, router, logger, errors, queues } = this.opts;
    const { signal, priority } = request;
    const queue = new ReplyQueue();
    router.register(jobId, (reply) => queue.push(reply));
    const startBy = Date.now() + this.opts.queueTimeoutMs;
    const job: InferJob = {
      v: 1,
      requestId: jobId,
      model: request.model,
      replyTo: request.keep ? router.keptReplySubject(jobId) : router.replySubject(jobId),
      startBy,
      priority,
      ...withoutUnset(request.job),
    };
    const hdrs = natsHeaders();
    hdrs.set(JobHeader.requestId, jobId);
    hdrs.set(JobHeader.deadline, String(startBy));
    watch.inject(hdrs);
    // A job whose prompt a worker's free slot holds goes to that worker's lane first.
    const preferred = this.preferredWorker(request);
    if (preferred) hdrs.set(JobHeader.preferredUntil, String(Date.now() + this.opts.prefixes!.waitMs));
    const token = toModelToken(request.model);
    const subject = preferred ? names.subjects.inferLaneJob(token, priority, preferred) : names.subjects.inferJob(token, priority);
    const cancel = () => nc.publish(names.subjects.cancel(jobId));

    let streamSeq: number;
    try {
      // Repeated while INFER elects a new leader (a cluster node lost), for as long as the request
      // may wait to be started: an election on a loaded cluster can outlast a fixed window, and
      // the job id dedupes the repeats.
      const ack = await publishThroughLeaderLoss(js, subject, encodeMessage(InferJob, job), {
        msgID: jobId,
        headers: hdrs,
      }, startBy - Date.now());
      streamSeq = ack.seq;
      queues?.noteQueued(request.model, priority, ack.seq);
    } catch (err) {
      router.unregister(jobId);
      watch.end("error", "could not queue");
      logger.error({ err, requestId: jobId }, "could not queue job");
      throw errors.queueUnavailable("The job queue is unavailable right now.");
    }
    const withdraw = () => {
      router.unregister(jobId);
      cancel();
      // Remove the job if still queued; if a worker took it meanwhile, the cancel stops it.
      jsm.streams.deleteMessage(names.streams.infer, streamSeq).catch(() => {});
    };

    const first = await queue.next(this.opts.queueTimeoutMs, signal);
    queues?.noteLeft(request.model, streamSeq);
    if (first === "timeout" || first === "aborted") withdraw();
    return { jobId, queue, first, preferred, cancel, withdraw, finish: () => router.unregister(jobId) };
  }
}
