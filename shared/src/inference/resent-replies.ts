import type { InferReply } from "../contracts/index.js";
import type { ReplyQueue } from "./reply-queue.js";

/**
 * How long replies found missing wait for the worker's resend (asked at once) before they are got
 * another way (stream REPLIES, or the job run again): the resend comes in milliseconds, while a
 * new run is queued anew, behind an election when a node was lost.
 */
export const RESEND_WAIT_MS = 5_000;

/**
 * After a job's acceptance was lost on the way (its first reply came without it): asks the worker
 * for the replies again and waits for the acceptance they start with, dropping what comes before
 * it (the resend carries that too). Null when none came in time, or the caller went away.
 */
export async function resentAcceptance(queue: ReplyQueue, askResend: () => void, signal: AbortSignal, waitMs = RESEND_WAIT_MS): Promise<InferReply | null> {
  askResend();
  const giveUpAt = Date.now() + waitMs;
  for (;;) {
    const reply = await queue.next(Math.max(0, giveUpAt - Date.now()), signal);
    if (typeof reply === "string") return null;
    if (reply.kind === "accepted" || reply.kind === "error") return reply;
  }
}
