import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { closeNats, connectNats } from "@lantern/shared/nats";
import { startServiceMetrics, startTracing } from "@lantern/shared/telemetry";
import { loadOrchestratorConfig } from "./config.js";
import { startOrchestrator, type RunningOrchestrator } from "./orchestrator-service.js";

const config = loadConfigOrExit(() => loadOrchestratorConfig());
const logger = createLogger({ service: "orchestrator", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const tracing = await startTracing({ service: "orchestrator", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const nats = await connectNats({ url: config.NATS_URL, replicas: config.NATS_REPLICAS, name: "orchestrator", logger });
let orchestrator: RunningOrchestrator | undefined;
const metrics = await startServiceMetrics({ service: "orchestrator", config, nats, started: () => orchestrator !== undefined, logger });
orchestrator = await startOrchestrator({ config, logger, nc: nats.nc });
stopOnSignals(async () => {
  await orchestrator?.stop();
  await closeNats(nats.nc);
  await metrics.stop();
  await tracing.shutdown();
}, logger);
