import type { NatsConnection } from "@nats-io/transport-node";
import { decodeMessage, encodeMessage, ModelPullCancelReply, ModelPullCancelRequest, type NatsNames, type PullCancelAnswer } from "@lantern/shared/contracts";
import { ApiError } from "@lantern/shared/errors";

/** Every fetcher hears a cancel at once; only the one running the pull answers, so a short wait is enough. */
const CANCEL_WAIT_MS = 3_000;

/** Tells the fetchers to stop a pull; the one running it answers, and its events end in `model.pull.failed` (`cancelled`). */
export async function cancelPull(nc: NatsConnection, names: NatsNames, pullId: string): Promise<PullCancelAnswer> {
  let data: Uint8Array;
  try {
    data = (await nc.request(names.subjects.modelPullCancel, encodeMessage(ModelPullCancelRequest, { v: 1, pullId }), { timeout: CANCEL_WAIT_MS })).data;
  } catch {
    throw new ApiError(409, "invalid_request_error", `No model fetcher is running pull '${pullId}': it has finished or failed already, or waits in the queue for a fetcher.`, {
      param: "pullId",
      code: "pull_not_running",
    });
  }
  const reply = decodeMessage(ModelPullCancelReply, data);
  return { pullId: reply.pullId, cancelled: true, fetcherId: reply.fetcherId };
}
