import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsNames, type NatsNames } from "@lantern/shared/contracts";
import { closeNats, natsServerOptions, startLocalNatsServer, useReplicas, type LocalNatsServer } from "@lantern/shared/nats";
import type { CliConfig } from "./cli-config.js";

export interface NatsSession {
  nc: NatsConnection;
  names: NatsNames;
  /** Set when NATS_URL did not answer and the CLI started a server of its own for this run. */
  privateServer: { url: string; dataDir: string } | null;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 3_000;

/** Connects to NATS_URL; null when nothing answers there. */
export async function connectToNats(config: CliConfig): Promise<NatsSession | null> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      ...natsServerOptions(config.NATS_URL),
      name: "lantern-models-cli",
      timeout: CONNECT_TIMEOUT_MS,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
  } catch {
    return null;
  }
  useReplicas(nc, config.NATS_REPLICAS);
  return { nc, names: natsNames(config.NATS_NAMESPACE), privateServer: null, close: () => closeNats(nc) };
}

/** A nats-server of the CLI's own, data under LANTERN_DATA_DIR, stopped with the session. */
export async function startPrivateNats(config: CliConfig): Promise<NatsSession> {
  const dataDir = join(config.LANTERN_DATA_DIR, "models-cli-nats");
  const server: LocalNatsServer = await startLocalNatsServer({ dataDir });
  const nc = await connect({ servers: server.url, name: "lantern-models-cli" });
  return {
    nc,
    names: natsNames(config.NATS_NAMESPACE),
    privateServer: { url: server.url, dataDir },
    async close() {
      await closeNats(nc);
      await server.stop();
    },
  };
}
