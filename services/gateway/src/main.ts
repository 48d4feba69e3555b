import cluster from "node:cluster";
import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { loadGatewayConfig } from "./config.js";

const config = loadConfigOrExit(() => loadGatewayConfig());
const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
// Each role loads only its own code: the primary of several processes runs no gateway itself.
if (config.GATEWAY_PROCESSES > 1 && cluster.isPrimary) {
  const { GatewayProcesses } = await import("./processes/gateway-processes.js");
  const processes = GatewayProcesses.start({
    count: config.GATEWAY_PROCESSES,
    logger,
    onStartFailed: (err) => {
      logger.fatal({ err }, "the gateway could not start");
      void processes.stop().then(() => process.exit(1));
    },
  });
  stopOnSignals(() => processes.stop(), logger);
} else {
  const [{ startGateway }, { startTracing }] = await Promise.all([import("./gateway.js"), import("@lantern/shared/telemetry")]);
  const tracing = await startTracing({ service: "gateway", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const gateway = await startGateway(config, logger);
  stopOnSignals(async () => {
    await gateway.stop();
    await tracing.shutdown();
  }, logger);
}
