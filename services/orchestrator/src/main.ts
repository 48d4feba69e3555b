import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { loadOrchestratorConfig } from "./config.js";
import { startOrchestrator } from "./orchestrator-service.js";

const config = loadConfigOrExit(() => loadOrchestratorConfig());
const logger = createLogger({ service: "orchestrator", level: config.LOG_LEVEL });
const orchestrator = await startOrchestrator({ config, logger });
stopOnSignals(() => orchestrator.stop(), logger);
