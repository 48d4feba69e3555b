import { createLogger } from "@lantern/shared/logging";
import { loadInferenceConfig } from "./config.js";
import { startWorker } from "./worker.js";

const config = loadInferenceConfig();
const logger = createLogger({ service: "inference", level: config.LOG_LEVEL });
const worker = await startWorker(config, logger);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    worker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "unclean stop");
        process.exit(1);
      },
    );
  });
}
