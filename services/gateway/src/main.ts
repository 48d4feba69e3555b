import { createLogger } from "@lantern/shared/logging";
import { loadGatewayConfig } from "./config.js";
import { startGateway } from "./gateway.js";

const config = loadGatewayConfig();
const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL });
const gateway = await startGateway(config, logger);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "unclean stop");
        process.exit(1);
      },
    );
  });
}
