import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { startTracing } from "@lantern/shared/telemetry";
import { startAdmin } from "./admin-service.js";
import { loadAdminConfig } from "./config.js";

const config = loadConfigOrExit(() => loadAdminConfig());
const logger = createLogger({ service: "admin", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const tracing = await startTracing({ service: "admin", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const admin = await startAdmin(config, logger);
stopOnSignals(async () => {
  await admin.stop();
  await tracing.shutdown();
}, logger);
