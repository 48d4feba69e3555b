import { loadConfigOrExit, stopOnSignals } from "@lantern/shared/lifecycle";
import { createLogger } from "@lantern/shared/logging";
import { closeNats, connectNats } from "@lantern/shared/nats";
import { startServiceMetrics, startTracing } from "@lantern/shared/telemetry";
import { loadFetcherConfig } from "./config.js";
import { startModelFetcher, type ModelFetcher } from "./fetcher-service.js";

const config = loadConfigOrExit(() => loadFetcherConfig());
const logger = createLogger({ service: "model-fetcher", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const tracing = await startTracing({ service: "model-fetcher", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const nats = await connectNats({ url: config.NATS_URL, replicas: config.NATS_REPLICAS, name: `model-fetcher-${config.FETCHER_ID}`, logger });
let fetcher: ModelFetcher | undefined;
const metrics = await startServiceMetrics({ service: "model-fetcher", config, nats, started: () => fetcher !== undefined, logger });
fetcher = await startModelFetcher({ config, logger, nc: nats.nc });
const shutdown = async () => {
  await fetcher?.stop();
  await closeNats(nats.nc);
  await metrics.stop();
  await tracing.shutdown();
};
stopOnSignals(shutdown, logger);
// Started for a pull (npm start): done once no pull came for a while; the next pull starts it again.
void fetcher.idle.then(async () => {
  logger.info({ idleMs: config.FETCHER_EXIT_WHEN_IDLE_MS }, "no pull for a while; exiting");
  await shutdown();
  process.exit(0);
});
