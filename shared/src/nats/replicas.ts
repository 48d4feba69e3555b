import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

interface ReplicaPolicy {
  replicas: number;
  logger?: Logger;
  /** The connection's server belongs to a cluster (a single server takes a raised config, but keeps one copy). */
  clustered: boolean;
}

// Keyed by connection, so every ensure* call made through it follows the service's NATS_REPLICAS
// without each call site carrying the setting; connections nobody configured get one replica.
const policies = new WeakMap<object, ReplicaPolicy>();

/** Every stream, KV bucket and object store made through `nc` gets `replicas` replicas. */
export function useReplicas(nc: NatsConnection, replicas: number, logger?: Logger): void {
  policies.set(nc, { replicas, logger, clustered: false });
}

/** The policy of the connection behind a connection or a JetStream manager made from it. */
export function replicaPolicyOf(client: NatsConnection | JetStreamManager): ReplicaPolicy {
  // nats.js managers keep their connection (BaseApiClientImpl.getConnection), untyped on the interface.
  const nc = policies.has(client) ? (client as NatsConnection) : (client as { getConnection?: () => NatsConnection }).getConnection?.();
  const policy = (nc && policies.get(nc)) ?? { replicas: 1 };
  return { ...policy, clustered: Boolean(nc?.info?.cluster) };
}

/** The `nats` CLI command that raises a stream (a bucket's `KV_*`, an object store's `OBJ_*`) by hand. */
export function raiseCommand(stream: string, replicas: number): string {
  return `nats stream edit ${stream} --replicas ${replicas} -f`;
}

/**
 * Raises an existing stream to the wanted replicas in place (nats-server moves the data to the
 * new peers while it keeps serving). Never lowers: a stream raised by hand stays raised. When the
 * server refuses (no cluster, too few servers), a log line says exactly what to run once it can.
 */
export async function raiseReplicas(jsm: JetStreamManager, config: StreamConfig): Promise<void> {
  const { replicas, logger, clustered } = replicaPolicyOf(jsm);
  const has = config.num_replicas || 1;
  if (has >= replicas) return;
  try {
    if (!clustered) throw new Error("the server is not part of a cluster");
    await jsm.streams.update(config.name, { ...config, num_replicas: replicas });
    logger?.info({ stream: config.name, from: has, to: replicas }, "raised the stream's replicas");
  } catch (err) {
    logger?.warn(
      { err, stream: config.name, has, wanted: replicas, run: raiseCommand(config.name, replicas) },
      `stream ${config.name} has ${has} replica(s), NATS_REPLICAS wants ${replicas} and the server refused to raise it; run: ${raiseCommand(config.name, replicas)}`,
    );
  }
}

/** The server's refusal of a new stream's replicas, said with what to change. */
export function replicasRefused(stream: string, replicas: number, err: unknown): Error {
  if (replicas <= 1) return err instanceof Error ? err : new Error(String(err));
  const why = err instanceof Error ? err.message : String(err);
  return new Error(
    `creating stream ${stream} with ${replicas} replicas failed (${why}): NATS_REPLICAS must not exceed the JetStream servers up in the cluster (1 for a single server)`,
    { cause: err },
  );
}
