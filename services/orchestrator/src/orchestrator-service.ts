import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { natsNames, newRequestId } from "@lantern/shared/contracts";
import { InferenceClient, ReplyRouter } from "@lantern/shared/inference";
import type { Logger } from "@lantern/shared/logging";
import { closeNats, connectNats, ensureEventsStream, ensureInferStream } from "@lantern/shared/nats";
import { PipelineResponder } from "./api/pipeline-responder.js";
import type { OrchestratorConfig } from "./config.js";
import { openOrchestratorDatabase } from "./db/database.js";
import { FleetModels } from "./definitions/model-availability.js";
import { PipelineCatalog } from "./definitions/pipeline-catalog.js";
import { ModelCaller, stageCallErrors } from "./execution/model-caller.js";
import { RunExecutor } from "./execution/run-executor.js";
import { RunQueue } from "./execution/run-queue.js";
import { StageRunner } from "./execution/stage-runner.js";
import { RunEvents } from "./runs/run-events.js";
import { PipelineRuns } from "./runs/pipeline-runs.js";
import { RunStore } from "./runs/run-store.js";

export interface RunningOrchestrator {
  id: string;
  /** Stops taking requests and runs; runs in progress are handed back to the queue for another replica. */
  stop(): Promise<void>;
}

export interface StartOrchestratorOptions {
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
    const database = await openOrchestratorDatabase({
      databaseUrl: config.ORCHESTRATOR_DATABASE_URL ?? config.DATABASE_URL,
      pgliteDir: join(config.LANTERN_DATA_DIR, "orchestrator-db"),
    });
    opened.push(() => database.close());
    log.info({ database: database.kind }, "orchestrator database ready");
    const nc = given ?? (await connectNats({ url: config.NATS_URL, name: `orchestrator-${id}`, logger: log })).nc;
    if (!given) opened.push(() => closeNats(nc));
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await Promise.all([ensureInferStream(jsm, names), ensureEventsStream(jsm, names)]);

    const router = new ReplyRouter(nc, names, id, log);
    router.start();
    opened.push(async () => router.stop());
    const inference = new InferenceClient({
      nc,
      js,
      jsm,
      names,
      router,
      queueTimeoutMs: config.ORCHESTRATOR_QUEUE_TIMEOUT_MS,
      stallTimeoutMs: config.ORCHESTRATOR_STALL_TIMEOUT_MS,
      errors: stageCallErrors,
      logger: log,
    });
    const store = new RunStore(database.db);
    const events = new RunEvents(nc, js, names, log);
    const executor = new RunExecutor({
      store,
      events,
      stages: new StageRunner(new ModelCaller(inference)),
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
    const runs = new PipelineRuns({
      catalog: new PipelineCatalog({ dir: config.PIPELINES_DIR, modelsDir: config.MODELS_DIR }),
      store,
      fleet: new FleetModels(nc, names),
      events,
      js,
      names,
    });
    const responder = new PipelineResponder(nc, names, runs, log.child({ component: "api" }));
    responder.start();
    opened.push(() => responder.stop());
    log.info({ pipelinesDir: config.PIPELINES_DIR }, "orchestrator ready");
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
