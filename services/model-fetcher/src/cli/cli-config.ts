import { join } from "node:path";
import { z } from "zod";
import { LogLevel, parseEnv } from "@lantern/shared/config";
import { FetcherConfig } from "../config.js";

/** The fetcher's settings (the CLI may run one in its own process) and where private NATS data goes. */
export const CliConfig = FetcherConfig.extend({
  LANTERN_DATA_DIR: z.string().default(join(process.cwd(), ".data")),
  // Quieter than the services: a fetcher run by the CLI logs only what goes wrong, beside the progress.
  LOG_LEVEL: LogLevel.default("warn"),
});
export type CliConfig = z.output<typeof CliConfig>;

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return parseEnv(CliConfig, env);
}
