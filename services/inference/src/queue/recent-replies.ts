import type { NatsConnection } from "@nats-io/transport-node";
import type { ReplyPublisher } from "./reply-publisher.js";

/**
 * How long a job's replies are kept after its end for sending again: a connection that notices
 * only now that its NATS node is gone lost what it wrote to it since the node died.
 */
const KEEP_AFTER_END_MS = 15_000;

/**
 * The jobs a worker answered lately on one connection, by request id. Replies travel over core
 * NATS: those written to a node that died (or hangs) before the client noticed are lost, the last
 * ones of a job (its `done`) included, and the gateway would wait for them until its stall timeout.
 * So when this connection is back, on whichever node, every job running or ended lately sends its
 * replies again (see ReplyPublisher.resend); and a gateway whose own link dropped asks for them.
 */
class RecentReplies {
  private readonly running = new Map<string, ReplyPublisher>();
  private readonly ended = new Map<string, { reply: ReplyPublisher; endedAt: number }>();

  constructor(nc: NatsConnection) {
    void (async () => {
      for await (const status of nc.status()) if (status.type === "reconnect") this.resendAll();
    })();
  }

  /** Keeps a job's replies while it runs; call the returned function when the job has ended. */
  track(requestId: string, reply: ReplyPublisher): () => void {
    this.running.set(requestId, reply);
    return () => {
      this.running.delete(requestId);
      const now = Date.now();
      this.prune(now);
      this.ended.set(requestId, { reply, endedAt: now });
    };
  }

  /** Sends one job's replies again, when it runs or ended lately here. */
  resend(requestId: string): void {
    try {
      (this.running.get(requestId) ?? this.ended.get(requestId)?.reply)?.resend();
    } catch {
      // The connection drains or closed (the worker stops).
    }
  }

  private resendAll(): void {
    this.prune(Date.now());
    try {
      for (const { reply } of this.ended.values()) reply.resend();
      for (const reply of this.running.values()) reply.resend();
    } catch {
      // The connection drains or closed meanwhile (the worker stops): nobody to send to.
    }
  }

  /** Forgets jobs ended long enough ago (oldest first: the map is in order of ending). */
  private prune(now: number): void {
    for (const [id, { endedAt }] of this.ended) {
      if (endedAt >= now - KEEP_AFTER_END_MS) break;
      this.ended.delete(id);
    }
  }
}

const perConnection = new WeakMap<NatsConnection, RecentReplies>();

/** The recent replies of `nc`'s jobs, made on first use. */
export function recentReplies(nc: NatsConnection): RecentReplies {
  let recent = perConnection.get(nc);
  if (!recent) perConnection.set(nc, (recent = new RecentReplies(nc)));
  return recent;
}
