import type { FinishReason, StreamRecord } from "@lantern/shared/contracts";
import { ContinuedLedger } from "../edge/continued-ledger.js";
import { streamNotFound } from "../errors/api-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { followChoice } from "../jobs/choice-fan-out.js";
import type { ChatFrame } from "../render/ws-chat-output.js";
import { openAiUsage } from "../openai/response-shapes.js";

interface ChatResume {
  record: StreamRecord;
  /** The last reply the client got frames of (`seq` of its last delta). */
  after: number;
  /** Aborted by `stop`, `reset` or the socket closing: the job is cancelled, its end still read for the usage event. */
  signal: AbortSignal;
  send(frame: ChatFrame): void;
}

/**
 * A chat continued on this socket after the one it began on was lost: its kept replies after
 * `after`, then the live ones, as the frames the chat would have sent. Its usage event is the
 * original request's, published here once the job's end is seen.
 */
export async function resumeChat(deps: GatewayDeps, gen: ChatResume): Promise<void> {
  const { record, send } = gen;
  const stop = new AbortController();
  const call = await deps.streams.follow(record, stop.signal);
  if (!call) {
    send({ type: "error", error: streamNotFound(record.requestId, deps.streams.windowS).toBody().error });
    return;
  }
  const calls = followChoice(call, stop);
  const ledger = new ContinuedLedger(deps.edge, record);
  ledger.servedBy({ workerIds: calls.workerIds });
  const stopped = () => gen.signal.aborted;
  gen.signal.addEventListener("abort", () => call.cancel(), { once: true });
  const place = (seq: number) => ({ request_id: record.requestId, seq });
  let finishReason: FinishReason = "stop";
  let status = 200;
  try {
    for await (const event of calls.events()) {
      const fresh = !stopped() && "seq" in event && event.seq > gen.after;
      if (event.kind === "text") {
        if (fresh) send({ type: "delta", content: event.text, ...place(event.seq) });
      } else if (event.kind === "reasoning") {
        if (fresh) send({ type: "delta", reasoning: event.text, ...place(event.seq) });
      } else if (event.kind === "finish") {
        finishReason = event.finishReason;
      } else if (event.kind === "complete") {
        ledger.usage(event.usage);
        if (stopped()) send({ type: "done", usage: null, finish_reason: "cancelled" });
        else {
          send({
            type: "done",
            usage: openAiUsage(event.usage),
            finish_reason: finishReason,
          });
        }
      } else if (event.kind === "error") {
        ledger.failed(event.error);
        status = event.error.status;
        send({ type: "error", error: event.error.toBody().error });
      }
    }
  } finally {
    ledger.finish(stopped() ? 499 : status);
  }
}
