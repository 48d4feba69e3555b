import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { loadFetcherConfig } from "./config.js";
import { startModelFetcher } from "./fetcher-service.js";

const config = loadConfigOrExit(() => loadFetcherConfig());
const logger = createLogger({ service: "model-fetcher", level: config.LOG_LEVEL });
const fetcher = await startModelFetcher({ config, logger });
stopOnSignals(() => fetcher.stop(), logger);
