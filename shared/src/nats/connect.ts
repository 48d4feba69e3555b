import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { natsServerOptions } from "./server-urls.js";

interface ConnectNatsOptions {
  url: string;
  name: string;
  logger: Logger;
  /**
   * Record where each request was made, for its error's stack (default true). Costs two Error
   * captures per request/publish, which a service making several per HTTP request may not want.
   */
  asyncTraces?: boolean;
}

export interface NatsLink {
  nc: NatsConnection;
  /** False from a disconnect until the client is back (it reconnects on its own, forever). */
  readonly connected: boolean;
}

/** Connects with unlimited reconnects; logs and tracks connection state. */
export async function connectNats({ url, name, logger, asyncTraces = true }: ConnectNatsOptions): Promise<NatsLink> {
  const nc = await connect({
    ...natsServerOptions(url),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    noAsyncTraces: !asyncTraces,
  });
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      else if (status.type === "reconnect") connected = true;
      else continue;
      logger.warn({ nats: status.type }, "nats connection status");
    }
  })();
  void nc.closed().then(() => {
    connected = false;
  });
  return {
    nc,
    get connected() {
      return connected;
    },
  };
}

/**
 * Drains a connection (pending publishes flushed, subscriptions finished); when the server is
 * gone a drain cannot complete, so the connection is closed instead and shutdown still finishes.
 */
export async function closeNats(nc: Pick<NatsConnection, "drain" | "close" | "isClosed">): Promise<void> {
  if (nc.isClosed()) return;
  try {
    await nc.drain();
  } catch {
    await nc.close().catch(() => {});
  }
}
