import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { startTracing } from "@lantern/shared/telemetry";
import { loadGatewayConfig } from "./config.js";
import { startGateway } from "./gateway.js";

const config = loadConfigOrExit(() => loadGatewayConfig());
const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL });
const tracing = await startTracing({ service: "gateway", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const gateway = await startGateway(config, logger);
stopOnSignals(async () => {
  await gateway.stop();
  await tracing.shutdown();
}, logger);
