import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { loadInferenceConfig } from "./config.js";
import { BackendUnavailableError } from "./models/load-llama.js";
import { startSyntheticWorker } from "./synthetic/synthetic-worker.js";
import { startWorker } from "./worker.js";

const config = loadConfigOrExit(() => loadInferenceConfig());
const logger = createLogger({ service: "inference", level: config.LOG_LEVEL });
const start = config.INFERENCE_ENGINE === "synthetic" ? startSyntheticWorker : startWorker;
const worker = await start(config, logger).catch((err: unknown) => {
  if (!(err instanceof BackendUnavailableError)) throw err;
  logger.fatal({ backend: err.backend }, err.message);
  console.error(err.message);
  process.exit(1);
});
stopOnSignals(() => worker.stop(), logger);
