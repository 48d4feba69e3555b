import type { Priority } from "./infer-job.js";
import type { ModelEventType } from "./model-events.js";
import type { ModelToken } from "./model-token.js";
import type { PipelineOp } from "./pipelines.js";
import type { TaskOp } from "./tasks.js";
import type { ConversationOp } from "./conversations.js";
import type { StoredResponseOp } from "./stored-responses.js";

const SAFE_WORKER_ID = /^[A-Za-z0-9_-]+$/;
const SAFE_RUN_ID = /^[A-Za-z0-9_-]{1,96}$/;

function safeWorkerId(workerId: string): string {
  if (!SAFE_WORKER_ID.test(workerId)) throw new Error(`worker id must be [A-Za-z0-9_-]+, got ${JSON.stringify(workerId)}`);
  return workerId;
}

/**
 * JetStream's own API subjects that Lantern publishes to directly (outside the client library):
 * a pull request for the next message of a durable consumer, answered on the request's reply.
 */
export const jetStreamApi = {
  consumerNext: (stream: string, durable: string) => `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
  /** JetStream's advisory that a stream has a new leader: `...LEADER_ELECTED.<stream>`. */
  streamLeaderElected: "$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.*",
  /** The same for a consumer: `...LEADER_ELECTED.<stream>.<consumer>`. */
  consumerLeaderElected: (stream: string) => `$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.${stream}.*`,
} as const;

/**
 * Every stream, subject, consumer and bucket name the platform uses, derived from one optional
 * namespace so that several stacks (or test runs) can share a NATS server without touching
 * each other. The default namespace gives the plain names from the design (`INFER`, `infer.>`).
 */
export function natsNames(namespace = "") {
  if (namespace && !/^[A-Za-z0-9_-]+$/.test(namespace)) {
    throw new Error(`NATS namespace must be [A-Za-z0-9_-]+, got ${JSON.stringify(namespace)}`);
  }
  const subject = (rest: string) => (namespace ? `${namespace}.${rest}` : rest);
  const resource = (name: string) => (namespace ? `${namespace}_${name}` : name);
  return {
    namespace,
    streams: {
      infer: resource("INFER"),
      /** Platform events (`events.>`), kept a while so a monitor or the admin service can replay them. */
      events: resource("EVENTS"),
      /** Work queue of model pull commands (`models.pull`); one fetcher takes each. */
      models: resource("MODELS"),
      /** Work queue of pipeline runs (`pipelines.run`); any orchestrator replica takes each. */
      pipelines: resource("PIPELINES"),
      /** Replies of resumable streams (`kept.>`) and their records (`resumable.*`), kept for the resume window (memory). */
      replies: resource("REPLIES"),
    },
    objectStores: {
      /** Verified GGUF files by their path under the models dir, for workers on hosts without them. */
      models: resource("models"),
    },
    buckets: {
      /** Live worker heartbeats; an entry older than its TTL means the worker is gone. */
      workers: resource("workers"),
      /** Every model any worker has served: what `/v1/models` and model look-ups know. */
      models: resource("models"),
      /** API key hash → KeyPolicy, written only by the admin service, watched by every gateway. */
      keys: resource("keys"),
      /** Per-key limit counters (windows, concurrency, spend), shared by all gateway replicas through compare-and-set. */
      limits: resource("limits"),
      /** Cached responses by request digest. */
      cache: resource("cache"),
      /** Upstream provider name → ProviderSetting. */
      providers: resource("providers"),
      /** Model token → ModelRoute. */
      routes: resource("routes"),
      /** Model token → ModelPrice. */
      prices: resource("prices"),
    },
    subjects: {
      inferAll: subject("infer.>"),
      /** Jobs of one model at one priority; each priority has its own consumer. */
      inferJob: (model: ModelToken, priority: Priority) => subject(`infer.${model}.${priority}`),
      /** Every job of one model, whatever its priority (the doorbell a worker listens on). */
      inferJobsOf: (model: ModelToken) => subject(`infer.${model}.*`),
      /**
       * A job offered first to one worker (whose slot holds its prompt's prefix): its lane. The
       * worker takes it first; any other worker may take it once its preference has lapsed.
       */
      inferLaneJob: (model: ModelToken, priority: Priority, workerId: string) => subject(`infer.${model}.${priority}.${safeWorkerId(workerId)}`),
      /** Jobs in every worker's lane of one model (the lanes' doorbell). */
      inferLanesOf: (model: ModelToken) => subject(`infer.${model}.*.*`),
      /** Jobs in one worker's lane of one model, whatever their priority. */
      inferLaneOf: (model: ModelToken, workerId: string) => subject(`infer.${model}.*.${safeWorkerId(workerId)}`),
      /** What prompts the slots of a model hold on each worker (PrefixHoldings, core NATS): gateways send a conversation back to its cache. */
      prefixHoldings: (model: ModelToken) => subject(`prefix.${model}`),
      prefixHoldingsAll: subject("prefix.*"),
      cancelAll: subject("cancel.*"),
      cancel: (requestId: string) => subject(`cancel.${requestId}`),
      /** Asks the worker running (or lately ended) a job to send its replies again: the gateway's link dropped. */
      resendAll: subject("resend.*"),
      resend: (requestId: string) => subject(`resend.${requestId}`),
      replyAll: (gatewayId: string) => subject(`reply.${gatewayId}.*`),
      reply: (gatewayId: string, requestId: string) => subject(`reply.${gatewayId}.${requestId}`),
      /** Replies of a resumable stream: the same bodies as `reply`, also kept by stream REPLIES for a while. */
      keptReplyAll: (gatewayId: string) => subject(`kept.${gatewayId}.*`),
      keptReply: (gatewayId: string, requestId: string) => subject(`kept.${gatewayId}.${requestId}`),
      /** What stream REPLIES keeps. */
      keptRepliesAll: subject("kept.>"),
      /** One request's kept replies, whichever gateway started it. */
      keptRepliesOf: (requestId: string) => subject(`kept.*.${requestId}`),
      /** Who started a resumable stream and how its chunks are shaped (a StreamRecord, kept by REPLIES). */
      streamRecord: (requestId: string) => subject(`resumable.${requestId}`),
      streamRecordAll: subject("resumable.*"),
      eventsAll: subject("events.>"),
      modelEventsAll: subject("events.model.>"),
      /** Pull commands (stream MODELS). */
      modelPull: subject("models.pull"),
      /** Started, progress, done and failed events of one pull. */
      modelPullEvents: (pullId: string) => {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(pullId)) throw new Error(`pull id must be [A-Za-z0-9_-]{1,64}, got ${JSON.stringify(pullId)}`);
        return subject(`events.model.pull.${pullId}`);
      },
      modelPullEventsAll: subject("events.model.pull.*"),
      modelRemoved: subject("events.model.removed"),
      /** Request/reply: the preset catalogue of the running fetchers (queue group `fetchers`). */
      modelPresets: subject("fetcher.presets"),
      /** Request/reply to every fetcher: cancel a pull (only the one running it answers). */
      modelPullCancel: subject("fetcher.pull.cancel"),
      /** One UsageEvent per request at the edge. */
      usageEvent: subject("events.usage"),
      /** `events.model.loaded`, `events.model.unloaded`, `events.model.load_failed`. */
      modelEvent: (type: ModelEventType) => subject(`events.${type}`),
      /** Run commands (stream PIPELINES). */
      pipelineRun: subject("pipelines.run"),
      /** Progress events of one pipeline run (stream EVENTS). */
      pipelineEvents: (runId: string) => {
        if (!SAFE_RUN_ID.test(runId)) throw new Error(`run id must be [A-Za-z0-9_-]{1,96}, got ${JSON.stringify(runId)}`);
        return subject(`events.pipeline.${runId}`);
      },
      pipelineEventsAll: subject("events.pipeline.*"),
      /** Request/reply with the orchestrators (queue group `orchestrators`). */
      orchestratorPipelines: (op: PipelineOp) => subject(`orchestrator.pipelines.${op}`),
      orchestratorPipelinesAll: subject("orchestrator.pipelines.*"),
      /** Request/reply about async tasks (queue group `orchestrators`). */
      orchestratorTasks: (op: TaskOp) => subject(`orchestrator.tasks.${op}`),
      /** Request/reply about conversations (queue group `orchestrators`). */
      orchestratorConversations: (op: ConversationOp) => subject(`orchestrator.conversations.${op}`),
      /** Request/reply about stored responses of `/v1/responses` (queue group `orchestrators`). */
      orchestratorResponses: (op: StoredResponseOp) => subject(`orchestrator.responses.${op}`),
      /** Rung when a task is queued: every orchestrator's idle runners look for work. */
      taskDoorbell: subject("orchestrator.tasks.doorbell"),
      /** Told to every orchestrator: stop the named task if you run it (it was cancelled). */
      taskStop: subject("orchestrator.tasks.stop"),
      /** Progress of one task (stream EVENTS): queued, started, done, failed, cancelled. */
      taskEvents: (taskId: string) => {
        if (!SAFE_RUN_ID.test(taskId)) throw new Error(`task id must be [A-Za-z0-9_-]{1,96}, got ${JSON.stringify(taskId)}`);
        return subject(`events.task.${taskId}`);
      },
      taskEventsAll: subject("events.task.*"),
      /** Request/reply with the tokenizer of one model (TokensRequest); any worker serving it answers (queue group `tokenizers`). */
      tokens: (model: ModelToken) => subject(`tokens.${model}`),
      /** Request/reply: load and unload models on one worker. */
      modelControl: (workerId: string) => subject(`control.worker.${safeWorkerId(workerId)}.models`),
    },
    consumers: {
      /** One durable per model and priority, shared by every worker serving it, so each job runs once. */
      inferWorkers: (model: ModelToken, priority: Priority) => `workers_${model}_${priority}`,
      /** One worker's lane of one model (see `inferLaneJob`): pulled by its owner, and by others once a job's preference lapsed. */
      inferLane: (model: ModelToken, workerId: string) => `lane_${model}_${safeWorkerId(workerId)}`,
      /** What every lane consumer of one model is named with, before its owner's id. */
      inferLanePrefix: (model: ModelToken) => `lane_${model}_`,
      /** The admin service's durable consumer that stores usage events in Postgres. */
      usageStore: "admin_usage_store",
      /** The fetchers' shared durable consumer on MODELS. */
      modelFetcher: "model_fetcher",
      /** The admin service's durable consumer that registers pulled (and forgets removed) models in Postgres. */
      modelRegistrar: "admin_model_registrar",
      /** The orchestrators' shared durable consumer on PIPELINES. */
      pipelineRunners: "orchestrator_pipeline_runners",
    },
    queueGroups: {
      /** Every orchestrator replica answers pipeline requests in this group: one answers each. */
      orchestrators: "orchestrators",
      /** Every worker serving a model answers its tokens requests in this group: one answers each. */
      tokenizers: "tokenizers",
      /** Every fetcher answers preset requests in this group: one answers each. */
      fetchers: "fetchers",
    },
  } as const;
}

export type NatsNames = ReturnType<typeof natsNames>;
