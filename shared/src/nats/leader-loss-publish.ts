import { JetStreamApiError, type JetStreamClient, type JetStreamPublishOptions, type PubAck } from "@nats-io/jetstream";
import { bounded, NATS_TIMEOUT_MS } from "./bounded.js";
import { leaderElections } from "./leader-elections.js";

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

type Outcome = { ack: PubAck } | { err: unknown } | "elected";

/**
 * Publishes to JetStream under a message id, repeating the identical publish while the stream is
 * without a leader (its node lost, a new one being elected), for up to `retryForMs`, each try
 * waiting LEADER_LOSS_ATTEMPT_MS for its ack, and a new try sent the moment JetStream advises that
 * a stream got a leader. A publish whose ack was lost with the old leader is stored once: the
 * repeat is answered as a duplicate, with the first one's sequence. A refusal (wrong last
 * sequence, limits) is not repeated.
 */
export async function publishThroughLeaderLoss(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  opts: Partial<JetStreamPublishOptions> & { msgID: string },
  retryForMs = LEADER_LOSS_RETRY_MS,
): Promise<PubAck> {
  const giveUpAt = Date.now() + retryForMs;
  const elections = leaderElections(js);
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
    const election = elections?.nextStreamElection();
    const elected = election ? [election.elected.then(() => "elected" as const)] : [];
    try {
      const attempt = bounded(js.publish(subject, data, { timeout: Math.min(LEADER_LOSS_ATTEMPT_MS, NATS_TIMEOUT_MS), ...opts }), `publish to ${subject}`);
      const outcome = await Promise.race<Outcome>([attempt.then((ack) => ({ ack }), (err: unknown) => ({ err })), ...elected]);
      if (outcome === "elected") {
        // Sent while there was no leader, the try in flight is never answered: the next reaches the new one.
        attempt.catch(() => {});
        if (Date.now() > giveUpAt) return await attempt;
        continue;
      }
      if ("ack" in outcome) return outcome.ack;
      if (!mayPassWithNewLeader(outcome.err) || Date.now() + pauseMs > giveUpAt) throw outcome.err;
      await Promise.race([new Promise((r) => setTimeout(r, pauseMs)), ...elected]);
    } finally {
      election?.cancel();
    }
  }
}
