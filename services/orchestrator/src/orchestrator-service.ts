import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { natsNames, newRequestId, WORKER_HEARTBEAT_TTL_MS } from "@lantern/shared/contracts";
import { InferenceClient, PrefixDirectory, ReplyRouter } from "@lantern/shared/inference";
import { embeddedDatabaseDir } from "@lantern/shared/database";
import type { Logger } from "@lantern/shared/logging";
import { closeNats, connectNats, ensureEdgeBuckets, ensureEventsStream, ensureInferStream, UsageOutbox } from "@lantern/shared/nats";
import { PipelineResponder } from "./api/pipeline-responder.js";
import { importSeparateDatabase } from "./db/separate-database-import.js";
import type { OrchestratorConfig } from "./config.js";
import { openOrchestratorDatabase } from "./db/database.js";
import { FleetModels } from "./definitions/model-availability.js";
import { PipelineCatalog } from "./definitions/pipeline-catalog.js";
import { PipelineDefinitions } from "./definitions/pipeline-definitions.js";
import { ModelCaller, stageCallErrors } from "./execution/model-caller.js";
import { ModelUsage } from "./execution/model-usage.js";
import { KeyStore, LimitKeeper, PriceBook } from "@lantern/shared/limits";
import { RunExecutor } from "./execution/run-executor.js";
import { RunQueue } from "./execution/run-queue.js";
import { StageRunner } from "./execution/stage-runner.js";
import { RunEvents } from "./runs/run-events.js";
import { PipelineRuns } from "./runs/pipeline-runs.js";
import { RunStore } from "./runs/run-store.js";
import { startConversationResponder } from "./api/conversation-responder.js";
import { startTaskResponder } from "./api/task-responder.js";
import { ConversationStore } from "./conversations/conversation-store.js";
import { startResponseResponder } from "./api/response-responder.js";
import { ResponseStore } from "./responses/response-store.js";
import { startResponseSweeper } from "./responses/response-sweeper.js";
import { TaskEvents } from "./tasks/task-events.js";
import { TaskExecution } from "./tasks/task-execution.js";
import { TaskRunner } from "./tasks/task-runner.js";
import { TaskStore } from "./tasks/task-store.js";
import { startTaskSweeper } from "./tasks/task-sweeper.js";
import { Tasks } from "./tasks/tasks.js";
import { WebhookDispatcher } from "./tasks/webhook-dispatcher.js";
import { webhookSecret } from "./tasks/webhook-secret.js";

/** Usage events of model calls held while NATS is unreachable (oldest dropped beyond it). */
const USAGE_OUTBOX_LIMIT = 10_000;
/** How long stopping waits for the last usage events to be published. */
const USAGE_FLUSH_MS = 5_000;

export interface RunningOrchestrator {
  id: string;
  /** Stops taking requests and runs; runs in progress are handed back to the queue for another replica. */
  stop(): Promise<void>;
}

interface StartOrchestratorOptions {
  config: OrchestratorConfig;
  logger: Logger;
  /** A connection to use (not closed on stop); otherwise one to NATS_URL. */
  nc?: NatsConnection;
}

export async function startOrchestrator({ config, logger, nc: given }: StartOrchestratorOptions): Promise<RunningOrchestrator> {
  const id = newRequestId("orch");
  const log = logger.child({ orchestratorId: id });
  const names = natsNames(config.NATS_NAMESPACE);
  const opened: Array<() => Promise<unknown>> = [];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close().catch(() => {});
  };
  try {
    const pgliteDir = embeddedDatabaseDir(config.LANTERN_DATA_DIR);
    const database = await openOrchestratorDatabase({ databaseUrl: config.ORCHESTRATOR_DATABASE_URL ?? config.DATABASE_URL, pgliteDir });
    opened.push(() => database.close());
    if (database.kind === "pglite") await importSeparateDatabase(config.LANTERN_DATA_DIR, pgliteDir, log);
    log.info({ database: database.kind }, "orchestrator database ready");
    const nc = given ?? (await connectNats({ url: config.NATS_URL, replicas: config.NATS_REPLICAS, name: `orchestrator-${id}`, logger: log })).nc;
    if (!given) opened.push(() => closeNats(nc));
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await Promise.all([ensureInferStream(jsm, names), ensureEventsStream(jsm, names)]);

    const router = new ReplyRouter(nc, names, id, log);
    router.start();
    opened.push(async () => router.stop());
    // Opened before the work that publishes into it, so it is closed after that work stopped.
    const usageOutbox = new UsageOutbox({ js, subject: names.subjects.usageEvent, limit: USAGE_OUTBOX_LIMIT, logger: log.child({ component: "model-usage" }) });
    opened.push(() => usageOutbox.close(USAGE_FLUSH_MS));
    const buckets = await ensureEdgeBuckets(nc, names);
    const keys = new KeyStore(buckets.keys, log);
    const prices = new PriceBook(buckets.prices, log);
    await Promise.all([keys.start(), prices.start()]);
    opened.push(async () => {
      keys.stop();
      prices.stop();
    });
    const limits = new LimitKeeper({ limits: buckets.limits, logger: log.child({ component: "limits" }) });
    // Stopped after the work that settles into it (opened later, so closed first).
    opened.push(async () => limits.stop());
    const usage = new ModelUsage({
      outbox: usageOutbox,
      prices,
      keys,
      limits,
      orchestratorId: `orchestrator-${id}`,
      holdMs: config.ORCHESTRATOR_LIMIT_HOLD_MS,
      maxWaitMs: config.ORCHESTRATOR_LIMIT_WAIT_MS,
      logger: log.child({ component: "model-usage" }),
    });
    // A stage or task whose prompt a worker's slot holds goes to that worker first, as requests do.
    const prefixes = new PrefixDirectory({ forgetAfterMs: 3 * WORKER_HEARTBEAT_TTL_MS });
    prefixes.follow(nc, names, log);
    opened.push(async () => prefixes.stop());
    const inference = new InferenceClient({
      nc,
      js,
      jsm,
      names,
      router,
      queueTimeoutMs: config.ORCHESTRATOR_QUEUE_TIMEOUT_MS,
      stallTimeoutMs: config.ORCHESTRATOR_STALL_TIMEOUT_MS,
      errors: stageCallErrors,
      prefixes: { directory: prefixes, waitMs: config.ORCHESTRATOR_PREFIX_AFFINITY_MS },
      logger: log,
    });
    const store = new RunStore(database.db);
    const events = new RunEvents(nc, js, names, log);
    const executor = new RunExecutor({
      store,
      events,
      stages: new StageRunner(new ModelCaller(inference, usage)),
      maxAttempts: config.ORCHESTRATOR_RUN_ATTEMPTS,
      logger: log.child({ component: "runs" }),
    });
    const queue = new RunQueue({
      js,
      jsm,
      names,
      executor,
      concurrency: config.ORCHESTRATOR_CONCURRENT_RUNS,
      ackWaitMs: config.ORCHESTRATOR_RUN_ACK_WAIT_MS,
      retryDelayMs: config.ORCHESTRATOR_RETRY_DELAY_MS,
      logger: log.child({ component: "run-queue" }),
    });
    await queue.start();
    opened.push(() => queue.stop());
    const catalog = new PipelineCatalog({ dir: config.PIPELINES_DIR, modelsDir: config.MODELS_DIR });
    const fleet = new FleetModels(nc, names);
    const runs = new PipelineRuns({ catalog, store, fleet, events, js, names });
    const responder = new PipelineResponder(nc, names, runs, new PipelineDefinitions(catalog, fleet), log.child({ component: "api" }));
    responder.start();
    opened.push(() => responder.stop());

    const taskStore = new TaskStore(database.db);
    const secret = await webhookSecret(config.TASK_WEBHOOK_SECRET, config.LANTERN_DATA_DIR);
    log.info({ secretFrom: secret.source }, "task webhooks are signed with the key from here");
    const webhooks = new WebhookDispatcher({
      store: taskStore,
      secret: secret.secret,
      maxAttempts: config.TASK_WEBHOOK_ATTEMPTS,
      backoffMs: config.TASK_WEBHOOK_BACKOFF_MS,
      timeoutMs: config.TASK_WEBHOOK_TIMEOUT_MS,
      pollMs: config.ORCHESTRATOR_TASK_POLL_MS,
      logger: log.child({ component: "task-webhooks" }),
    });
    webhooks.start();
    opened.push(() => webhooks.stop());
    const taskEvents = new TaskEvents(js, names, log);
    const execution = new TaskExecution({ inference, runs: store, runEvents: events, executor, retryDelayMs: config.ORCHESTRATOR_RETRY_DELAY_MS, usage });
    const runner = new TaskRunner({
      runnerId: id,
      nc,
      names,
      store: taskStore,
      execution,
      events: taskEvents,
      concurrency: config.ORCHESTRATOR_TASK_CONCURRENCY,
      leaseMs: config.ORCHESTRATOR_TASK_LEASE_MS,
      pollMs: config.ORCHESTRATOR_TASK_POLL_MS,
      maxAttempts: config.ORCHESTRATOR_TASK_ATTEMPTS,
      onEnded: () => webhooks.kick(),
      logger: log.child({ component: "tasks" }),
    });
    runner.start();
    opened.push(() => runner.stop());
    const retentionMs = Math.round(config.TASK_RETENTION_HOURS * 3_600_000);
    const stopSweeper = startTaskSweeper({ store: taskStore, retentionMs, intervalMs: config.TASK_SWEEP_INTERVAL_MS, logger: log });
    opened.push(async () => stopSweeper());
    const tasks = new Tasks({ nc, names, store: taskStore, runs, events: taskEvents, execution, retentionMs, onEnded: () => webhooks.kick() });
    const taskResponder = startTaskResponder(nc, names, tasks, log.child({ component: "task-api" }));
    opened.push(() => taskResponder.stop());
    const conversationResponder = startConversationResponder(nc, names, new ConversationStore(database.db), log.child({ component: "conversation-api" }));
    opened.push(() => conversationResponder.stop());
    const responseStore = new ResponseStore(database.db, Math.round(config.RESPONSE_RETENTION_HOURS * 3_600_000));
    const responseResponder = startResponseResponder(nc, names, responseStore, log.child({ component: "response-api" }));
    opened.push(() => responseResponder.stop());
    const stopResponseSweeper = startResponseSweeper({ store: responseStore, intervalMs: config.TASK_SWEEP_INTERVAL_MS, logger: log });
    opened.push(async () => stopResponseSweeper());
    log.info({ pipelinesDir: config.PIPELINES_DIR, taskConcurrency: config.ORCHESTRATOR_TASK_CONCURRENCY }, "orchestrator ready");
  } catch (err) {
    await closeOpened();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    id,
    stop() {
      stopped ??= closeOpened().then(() => log.info("orchestrator stopped"));
      return stopped;
    },
  };
}
