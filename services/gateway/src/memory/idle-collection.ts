import type { Server } from "node:http";
import { collectWhenIdle } from "@lantern/shared/lifecycle";
import type { Logger } from "@lantern/shared/logging";

/** Fewer requests than this since the last collection (health probes, a trickle) leave nothing worth collecting. */
const BURST_REQUESTS = 1_000;

/**
 * The gateway's memory back after a burst of requests (see collectWhenIdle): its work is the
 * requests its server takes, any one of which means it is not quiet.
 */
export function collectWhenRequestsStop(server: Server, logger: Logger): () => void {
  let requests = 0;
  const onRequest = () => void requests++;
  server.on("request", onRequest);
  const stop = collectWhenIdle({ done: () => requests, burst: BURST_REQUESTS, quietBelow: 1 }, logger);
  return () => {
    stop();
    server.off("request", onRequest);
  };
}
