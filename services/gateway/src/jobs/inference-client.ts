import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { InferError, NatsNames, Priority } from "@lantern/shared/contracts";
import {
  InferenceClient as JobClient,
  type InferenceCall as JobCall,
  type GenerationEvent as JobEvent,
  type InferenceErrors,
  type JobObserver,
  type PrefixDirectory,
  type ReplyRouter,
  type SubmitRequest,
} from "@lantern/shared/inference";
import type { Logger } from "@lantern/shared/logging";
import { ApiError, ClientGoneError, internalError, invalidRequest, noCapacity, queueFull, upstreamTimeout } from "../errors/api-error.js";
import type { QueueMonitor } from "./queue-monitor.js";

export type { SubmitRequest } from "@lantern/shared/inference";
export type GenerationEvent = JobEvent<ApiError>;
export type InferenceCall = JobCall<ApiError>;

interface InferenceClientOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  router: ReplyRouter;
  /** How long a job may wait for a free slot before the client gets 503. */
  queueTimeoutMs: number;
  /** How long a started job may go without any reply (covers a worker lost and the job redelivered). */
  stallTimeoutMs: number;
  queues: QueueMonitor;
  /** A job is refused when this many of its model's jobs wait at its priority or above; 0: no bound. */
  queueLimit: number;
  /** Told each job's time to first token and whole time (the metrics). */
  observer?: JobObserver;
  /** Prefix affinity (see the shared client). */
  prefixes?: { directory: PrefixDirectory; waitMs: number };
  logger: Logger;
}

/** Maps a worker's error variant to what the edge answers. */
function apiErrorFromWorker(error: InferError, promptParam: string): ApiError {
  switch (error.code) {
    case "context_length_exceeded":
      // An embed job names the input that is too long; a generation job leaves it to the edge.
      return invalidRequest(error.message, error.param ?? promptParam, "context_length_exceeded");
    case "invalid_output_format":
      return invalidRequest(error.message, error.param ?? "response_format", "unsupported_schema");
    case "invalid_parameter":
      return invalidRequest(error.message, error.param, "invalid_value");
    case "model_not_loaded":
      return noCapacity(error.message, 1);
    default:
      return internalError(error.message);
  }
}

/** How the edge answers each way a job can fail. */
export const edgeInferenceErrors: InferenceErrors<ApiError> = {
  fromWorker: apiErrorFromWorker,
  stalled: upstreamTimeout,
  noSlot: (message) => noCapacity(message, 1),
  queueUnavailable: (message) => noCapacity(message, 2),
  internal: (message) => internalError(message),
  callerGone: () => new ClientGoneError(),
};

/** The shared job client with the edge's queue bound in front of it. */
export class InferenceClient {
  private readonly jobs: JobClient<ApiError>;

  constructor(private readonly opts: InferenceClientOptions) {
    this.jobs = new JobClient({ ...opts, errors: edgeInferenceErrors });
  }

  /**
   * Refuses (503 queue_full) unless `jobs` more jobs of `model` at `priority` fit under the queue
   * bound: one request's jobs are admitted together or not at all. A request of more jobs than
   * the bound could ever hold is a 400 naming `param`.
   */
  ensureRoom(model: string, priority: Priority, jobs = 1, param = "n"): void {
    const { queueLimit, queues } = this.opts;
    if (queueLimit <= 0) return;
    if (jobs > queueLimit) {
      throw invalidRequest(`'${param}' asks for ${jobs} jobs at once, more than the ${queueLimit} this gateway queues per model.`, param, "invalid_value");
    }
    const ahead = queues.ahead(model, priority);
    if (ahead + jobs <= queueLimit) return;
    // Waiting about as long as the oldest job has is a fair first guess of when room frees up.
    const oldestMs = queues.get(model)?.oldestWaitMs ?? 1_000;
    throw queueFull(model, ahead, Math.min(60, Math.max(1, Math.ceil(oldestMs / 1_000))));
  }

  /**
   * Queues the job and resolves once a worker accepted it. Throws ApiError when no slot frees up
   * within the queue timeout (the job is withdrawn) or the worker refuses the job.
   */
  async submit(request: SubmitRequest, promptParam: string): Promise<InferenceCall> {
    this.ensureRoom(request.model, request.priority);
    return this.jobs.submit(request, promptParam);
  }
}
