import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { loadInferenceConfig } from "./config.js";
import { startWorker } from "./worker.js";

const config = loadConfigOrExit(() => loadInferenceConfig());
const logger = createLogger({ service: "inference", level: config.LOG_LEVEL });
const worker = await startWorker(config, logger);
stopOnSignals(() => worker.stop(), logger);
