import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

/**
 * Runs `restore` after every reconnect, retrying with a growing pause until it succeeds or the
 * connection closes. For what a restarted server forgets: a memory stream is gone after a restart
 * of nats-server 2.9, and nothing would create it again until the service itself restarted.
 */
export function afterEachReconnect(nc: NatsConnection, what: string, restore: () => Promise<void>, logger: Logger): void {
  let attempt = 0;
  const run = async (generation: number) => {
    for (let pauseMs = 200; generation === attempt && !nc.isClosed(); pauseMs = Math.min(pauseMs * 2, 5_000)) {
      try {
        await restore();
        logger.info({ restored: what }, "restored after the nats reconnect");
        return;
      } catch (err) {
        // JetStream on a server just back may not answer at once.
        logger.warn({ err, restoring: what }, "restoring after the nats reconnect failed; retrying");
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    }
  };
  void (async () => {
    for await (const status of nc.status()) if (status.type === "reconnect") void run(++attempt);
  })();
}
