/**
 * The embedded default's admin and orchestrator in one process, sharing one embedded database (one
 * WebAssembly Postgres, ~150 MiB, instead of one each, plus one Node.js runtime instead of two). Each
 * keeps its own configuration, logger, NATS connection, HTTP or metrics server and tables; each still
 * runs alone from its own `src/main.ts`, which is what the supervisor starts when DATABASE_URL is set.
 */
import { loadAdminConfig, startAdmin, type RunningAdmin } from "@lantern/admin";
import { loadOrchestratorConfig, startOrchestrator, type RunningOrchestrator } from "@lantern/orchestrator";
import { collectWhenIdle, cpuActivity, loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { closeNats, connectNats } from "@lantern/shared/nats";
import { startServiceMetrics, startTracing } from "@lantern/shared/telemetry";

const adminConfig = loadConfigOrExit(() => loadAdminConfig());
const orchestratorConfig = loadConfigOrExit(() => loadOrchestratorConfig());
const adminLogger = createLogger({ service: "admin", level: adminConfig.LOG_LEVEL, format: adminConfig.LOG_FORMAT });
const logger = createLogger({ service: "orchestrator", level: orchestratorConfig.LOG_LEVEL, format: orchestratorConfig.LOG_FORMAT });

const adminTracing = await startTracing({ service: "admin", endpoint: adminConfig.OTEL_EXPORTER_OTLP_ENDPOINT });
const admin: RunningAdmin = await startAdmin(adminConfig, adminLogger);

const tracing = await startTracing({ service: "orchestrator", endpoint: orchestratorConfig.OTEL_EXPORTER_OTLP_ENDPOINT });
const nats = await connectNats({ url: orchestratorConfig.NATS_URL, name: "orchestrator", logger });
let orchestrator: RunningOrchestrator | undefined;
const metrics = await startServiceMetrics({ service: "orchestrator", config: orchestratorConfig, nats, started: () => orchestrator !== undefined, logger });
orchestrator = await startOrchestrator({ config: orchestratorConfig, logger, nc: nats.nc });
// Usage events and runs come in bursts; what they leave on the heap goes back once they stop (with --expose-gc).
const stopCollecting = collectWhenIdle(cpuActivity(), logger.child({ component: "memory" }));

// Both at once, as two processes would: runs continue from their checkpoints later, and the usage
// events the orchestrator sent wait in JetStream for admin's next start.
const stopOrchestrator = async () => {
  await orchestrator?.stop();
  await closeNats(nats.nc);
  await metrics.stop();
  await tracing.shutdown();
};
const stopAdmin = async () => {
  await admin.stop();
  await adminTracing.shutdown();
};
stopOnSignals(async () => {
  stopCollecting();
  await Promise.all([stopOrchestrator(), stopAdmin()]);
}, adminLogger);
