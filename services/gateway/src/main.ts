import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { loadGatewayConfig } from "./config.js";
import { startGateway } from "./gateway.js";

const config = loadConfigOrExit(() => loadGatewayConfig());
const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL });
const gateway = await startGateway(config, logger);
stopOnSignals(() => gateway.stop(), logger);
