import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { startAdmin } from "./admin-service.js";
import { loadAdminConfig } from "./config.js";

const config = loadConfigOrExit(() => loadAdminConfig());
const logger = createLogger({ service: "admin", level: config.LOG_LEVEL });
const admin = await startAdmin(config, logger);
stopOnSignals(() => admin.stop(), logger);
