import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { loadOrchestratorConfig, startOrchestrator, type RunningOrchestrator } from "@lantern/orchestrator";
import { natsNames } from "@lantern/shared/contracts";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import type { TestNats } from "@lantern/shared/testing";
import { capturingLogger } from "./log-capture.js";
import { repoRoot } from "./test-stack.js";

export interface TestOrchestrator {
  orchestrator: RunningOrchestrator;
  logs: Array<Record<string, unknown>>;
  database: TestDatabase;
  stop(): Promise<void>;
}

/**
 * An orchestrator in this process, on the test's NATS namespace, with a database of its own on the
 * test Postgres, or the `database` of another one (replicas share it; then it is not dropped on stop).
 */
export async function startTestOrchestrator(nats: TestNats, env: Record<string, string> = {}, shared?: TestDatabase): Promise<TestOrchestrator> {
  const database = shared ?? (await useTestDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-orchestrator-"));
  const capture = capturingLogger("orchestrator");
  const config = loadOrchestratorConfig({
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    ORCHESTRATOR_DATABASE_URL: database.url,
    LANTERN_DATA_DIR: dataDir,
    PIPELINES_DIR: join(repoRoot, "pipelines"),
    MODELS_DIR: join(repoRoot, "models"),
    ...env,
  });
  const orchestrator = await startOrchestrator({ config, logger: capture.logger });
  let stopped: Promise<void> | undefined;
  return {
    orchestrator,
    logs: capture.lines,
    database,
    stop() {
      stopped ??= (async () => {
        await orchestrator.stop();
        if (!shared) await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Deletes the PIPELINES stream the test's orchestrators created (it outlives them on a shared NATS server). */
export async function dropPipelinesStream(nats: TestNats): Promise<void> {
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(natsNames(nats.namespace).streams.pipelines).catch(() => {});
  } finally {
    await nc.close();
  }
}
