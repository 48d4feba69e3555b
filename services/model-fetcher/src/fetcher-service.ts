import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@lantern/shared/logging";
import type { FetcherConfig } from "./config.js";

export interface ModelFetcher {
  readonly id: string;
  /** Stops taking pulls; pulls in progress are left to resume (their `.part` files stay, their commands are redelivered). */
  stop(): Promise<void>;
}

export interface StartModelFetcherOptions {
  config: FetcherConfig;
  logger: Logger;
  /** An open connection to use (not closed by stop); without it the fetcher connects to config.NATS_URL itself. */
  nc?: NatsConnection;
}

/**
 * Seeds an empty models dir with the bundled model, then takes pull commands from the MODELS
 * work queue (FETCHER_CONCURRENCY at a time) and publishes each pull's events.
 */
export async function startModelFetcher(_opts: StartModelFetcherOptions): Promise<ModelFetcher> {
  throw new Error("not implemented yet");
}
