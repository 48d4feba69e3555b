import { JetStreamApiError, type JetStreamClient, type JetStreamPublishOptions, type PubAck } from "@nats-io/jetstream";
import { bounded, NATS_TIMEOUT_MS } from "./bounded.js";

/** Long enough for a cluster to elect a stream's new leader after a node is lost (about 2-5 s, up to 8 s on a loaded machine). */
export const LEADER_LOSS_RETRY_MS = 10_000;

/**
 * How long one try waits for its ack. A publish sent while the stream has no leader is never
 * answered (the replicas left drop it), so a try waits out this timeout: kept short, a new try
 * reaches the new leader soon after it is elected instead of up to NATS_TIMEOUT_MS later.
 */
export const LEADER_LOSS_ATTEMPT_MS = 2_000;

/** JetStream's "temporarily unavailable": no leader for the stream or the cluster right now. */
const UNAVAILABLE_CODE = 10_008;

/** Errors that a new stream leader may not repeat: no answer, no responder, no leader yet. */
function mayPassWithNewLeader(err: unknown): boolean {
  return !(err instanceof JetStreamApiError) || err.code === UNAVAILABLE_CODE || err.status === 503;
}

/**
 * Publishes to JetStream under a message id, repeating the identical publish while the stream is
 * without a leader (its node lost, a new one being elected), for up to `retryForMs`, each try
 * waiting LEADER_LOSS_ATTEMPT_MS for its ack. A publish whose ack was lost with the old leader is
 * stored once: the repeat is answered as a duplicate, with the first one's sequence. A refusal (wrong last sequence, limits) is not repeated.
 */
export async function publishThroughLeaderLoss(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  opts: Partial<JetStreamPublishOptions> & { msgID: string },
  retryForMs = LEADER_LOSS_RETRY_MS,
): Promise<PubAck> {
  const giveUpAt = Date.now() + retryForMs;
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
    try {
      return await bounded(js.publish(subject, data, { timeout: Math.min(LEADER_LOSS_ATTEMPT_MS, NATS_TIMEOUT_MS), ...opts }), `publish to ${subject}`);
    } catch (err) {
      if (!mayPassWithNewLeader(err) || Date.now() + pauseMs > giveUpAt) throw err;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}
