import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { startTracing } from "@lantern/shared/telemetry";
import { loadInferenceConfig } from "./config.js";
import { BackendUnavailableError } from "./models/load-llama.js";
import { startSyntheticWorker } from "./synthetic/synthetic-worker.js";
import { startWorker } from "./worker.js";

const config = loadConfigOrExit(() => loadInferenceConfig());
const logger = createLogger({ service: "inference", level: config.LOG_LEVEL });
const tracing = await startTracing({ service: "inference", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const start = config.INFERENCE_ENGINE === "synthetic" ? startSyntheticWorker : startWorker;
const worker = await start(config, logger).catch((err: unknown) => {
  if (!(err instanceof BackendUnavailableError)) throw err;
  logger.fatal({ backend: err.backend }, err.message);
  console.error(err.message);
  process.exit(1);
});
stopOnSignals(async () => {
  await worker.stop();
  await tracing.shutdown();
}, logger);
