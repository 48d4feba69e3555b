import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { startTracing } from "@lantern/shared/telemetry";
import { loadInferenceConfig } from "./config.js";
import { llamaEngine } from "./engine/llama-engine.js";
import { BackendUnavailableError } from "./models/load-llama.js";
import { syntheticEngine } from "./synthetic/synthetic-engine.js";
import { startWorker } from "./worker.js";

const config = loadConfigOrExit(() => loadInferenceConfig());
const logger = createLogger({ service: "inference", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const tracing = await startTracing({ service: "inference", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const engine = config.INFERENCE_ENGINE === "synthetic" ? syntheticEngine(config) : llamaEngine(config);
const worker = await startWorker(config, logger, engine).catch((err: unknown) => {
  if (!(err instanceof BackendUnavailableError)) throw err;
  logger.fatal({ backend: err.backend }, err.message);
  console.error(err.message);
  process.exit(1);
});
stopOnSignals(async () => {
  await worker.stop();
  await tracing.shutdown();
}, logger);
