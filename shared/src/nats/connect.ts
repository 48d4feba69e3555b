import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { useReplicas } from "./replicas.js";
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
  /** Replicas of every stream, bucket and object store made through this connection (NATS_REPLICAS; 1 by default). */
  replicas?: number;
}

export interface NatsLink {
  nc: NatsConnection;
  /** False from a disconnect until the client is back (it reconnects on its own, forever). */
  readonly connected: boolean;
}

/**
 * Connects to the first seed of NATS_URL that answers (in random order, so services spread over a
 * cluster's nodes), with unlimited reconnects to any node, seeds or those the cluster announces;
 * logs and tracks connection state.
 */
export async function connectNats({ url, name, logger, asyncTraces = true, replicas = 1 }: ConnectNatsOptions): Promise<NatsLink> {
  const nc = await connect({
    ...natsServerOptions(url),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // A node that hangs or drops off the network closes no socket: only unanswered pings tell.
    // nats.js's defaults (a ping every 2 min, two outstanding, 20 s to greet) left a service on such
    // a node stuck for minutes; these move it to another within about 10 s, about a worker
    // heartbeat's TTL (WORKER_HEARTBEAT_TTL_MS), yet let a pong be 6 s late on a loaded machine.
    pingInterval: 2_000,
    maxPingOut: 3,
    timeout: 2_000,
    noAsyncTraces: !asyncTraces,
  });
  useReplicas(nc, replicas, logger);
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      else if (status.type === "reconnect") connected = true;
      else continue;
      logger.warn({ nats: status.type, server: status.type === "reconnect" ? status.server : undefined }, "nats connection status");
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
