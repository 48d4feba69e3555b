import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { jetStreamApi } from "@lantern/shared/contracts";

/** What running a job needs of its JetStream message (a subset of nats.js's JsMsg). */
export interface JobMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** The publisher's headers: request id, deadline, trace context. */
  readonly headers: MsgHdrs | undefined;
  readonly info: {
    readonly deliveryCount: number;
    readonly timestampNanos: number;
    /** Jobs still waiting for this consumer after this one was handed out. */
    readonly pending: number;
  };
  ack(): void;
  /** Never deliver again (unreadable, expired or cancelled). */
  term(): void;
  /** Hand back for another worker now. */
  nak(): void;
  /** Still being worked on: restarts the ack timer. */
  working(): void;
}

const encoder = new TextEncoder();
const ACK = encoder.encode("+ACK");
const NAK = encoder.encode("-NAK");
const TERM = encoder.encode("+TERM");
const WORKING = encoder.encode("+WPI");
const PULL = encoder.encode('{"batch":1,"no_wait":true}');

/**
 * The delivery facts JetStream encodes in a message's ack subject:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`, or the newer form with
 * a domain and account hash after `ACK` and a random token at the end.
 */
function deliveryInfo(ackSubject: string): JobMessage["info"] {
  const tokens = ackSubject.split(".");
  if (tokens[0] !== "$JS" || tokens[1] !== "ACK" || (tokens.length !== 9 && tokens.length < 11)) {
    throw new Error(`not a JetStream ack subject: ${ackSubject}`);
  }
  const at = tokens.length === 9 ? 4 : 6;
  return { deliveryCount: Number(tokens[at]), timestampNanos: Number(tokens[at + 3]), pending: Number(tokens[at + 4]) };
}

class PulledJob implements JobMessage {
  readonly info: JobMessage["info"];
  private settled = false;

  constructor(private readonly msg: Msg) {
    this.info = deliveryInfo(msg.reply ?? "");
  }

  get subject() {
    return this.msg.subject;
  }
  get data() {
    return this.msg.data;
  }
  get headers() {
    return this.msg.headers;
  }
  ack() {
    this.settle(ACK);
  }
  term() {
    this.settle(TERM);
  }
  nak() {
    this.settle(NAK);
  }
  working() {
    if (!this.settled) this.msg.respond(WORKING);
  }
  private settle(payload: Uint8Array) {
    if (this.settled) return;
    this.settled = true;
    this.msg.respond(payload);
  }
}

/** One consumer's pulls: its own inbox, so its answers are told apart from every other consumer's. */
interface PullChannel {
  readonly inbox: string;
  sub: Subscription;
  waiter: ((msg: Msg | Unanswered) => void) | undefined;
  sentAt: number;
  /** Its last pull went unanswered (no leader to take it, most likely). */
  silent: boolean;
}

/** Why a pull ends without an answer: waited out, or no longer waited for. */
type Unanswered = "timeout" | "abandoned";

/**
 * Takes at most one job from a consumer and returns at once when there is none (a `no_wait`
 * pull, which nats.js v3's consumer API does not offer). Asking each priority's consumer in turn
 * without waiting is what lets a worker take high before normal before low.
 *
 * Each consumer has its own inbox and at most one pull in flight: a pulled message arrives with
 * its stream subject, not the inbox's, so only the subscription it lands on says whose answer it
 * is. Pulls to different consumers never wait for each other, so a consumer that cannot answer
 * (its leader was lost with a node) holds up no other.
 */
export class JobPuller {
  private readonly channels = new Map<string, PullChannel>();
  private readonly inboxPrefix = createInbox();
  private stopped = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    /**
     * A pull with no answer in this time counts as empty. A consumer's leader answers a no-wait
     * pull within milliseconds; no answer means the link is down or the consumer has no leader
     * (its node died and the survivors are electing one: the request is dropped without a word).
     */
    private readonly timeoutMs = 5_000,
    /** A job that arrives when no pull of its consumer waits (its pull gave up): start it or hand it back. */
    private readonly onLate: (job: JobMessage) => void = (job) => job.nak(),
  ) {}

  start(): void {
    this.stopped = false;
    void this.abandonOnReconnect();
  }

  /** Pulls sent before a reconnect went to a server that is gone or was not ready: none will be answered. */
  private async abandonOnReconnect(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (this.stopped) return;
      if (status.type === "reconnect") this.abandonSlowPulls(0);
    }
  }

  /**
   * The next job of `durable`, null when it has none waiting right now, or "unanswered" when the
   * pull was waited out or abandoned (or one is in flight already): it may hold jobs all the same.
   */
  pull(durable: string): Promise<JobMessage | null | "unanswered"> {
    const channel = this.channel(durable);
    if (channel.waiter || this.stopped) return Promise.resolve("unanswered");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => channel.waiter?.("timeout"), this.timeoutMs);
      channel.sentAt = performance.now();
      channel.waiter = (msg) => {
        clearTimeout(timer);
        channel.waiter = undefined;
        if (msg !== "abandoned") channel.silent = msg === "timeout";
        // Status replies (404 no messages, 408 expired, 409 consumer gone) carry no job.
        if (typeof msg === "string") resolve("unanswered");
        else if (!msg.reply || msg.headers?.code) resolve(null);
        else {
          try {
            resolve(new PulledJob(msg));
          } catch (err) {
            reject(err);
          }
        }
      };
      try {
        this.nc.publish(jetStreamApi.consumerNext(this.stream, durable), PULL, { reply: channel.inbox });
      } catch (err) {
        clearTimeout(timer);
        channel.waiter = undefined;
        reject(err);
      }
    });
  }

  /** Whether a pull of `durable` waits for its answer. */
  inFlight(durable: string): boolean {
    return this.channels.get(durable)?.waiter !== undefined;
  }

  /** Whether the last pull of `durable` went unanswered: it may hold jobs all the same. */
  unanswered(durable: string): boolean {
    return this.channels.get(durable)?.silent === true;
  }

  /**
   * Stops waiting for the pulls in flight longer than `ms`: they end empty now, and a job one of
   * them is answered with later goes to `onLate`. Called when more urgent work rang (a job in the
   * worker's own lane), since a pull can be held (see PULL_PATIENCE_MS in the dispatcher).
   */
  abandonSlowPulls(ms: number): void {
    const now = performance.now();
    for (const channel of this.channels.values()) {
      if (channel.waiter && now - channel.sentAt >= ms) channel.waiter("abandoned");
    }
  }

  /** `durable` has a leader again: a pull in flight (sent before) ends empty now, and the next is waited for. */
  leaderElected(durable: string): void {
    const channel = this.channels.get(durable);
    if (!channel) return;
    channel.waiter?.("abandoned");
    channel.silent = false;
  }

  private channel(durable: string): PullChannel {
    let channel = this.channels.get(durable);
    if (channel) return channel;
    const inbox = `${this.inboxPrefix}.${this.channels.size}`;
    const created: PullChannel = { inbox, sub: undefined as unknown as Subscription, waiter: undefined, sentAt: 0, silent: false };
    created.sub = this.nc.subscribe(inbox, {
      callback: (_err, msg) => {
        if (created.waiter) created.waiter(msg);
        else if (msg.reply && !msg.headers?.code) this.onLate(new PulledJob(msg));
      },
    });
    this.channels.set(durable, (channel = created));
    return channel;
  }

  stop(): void {
    this.stopped = true;
    for (const channel of this.channels.values()) {
      channel.waiter?.("abandoned");
      channel.sub.unsubscribe();
    }
    this.channels.clear();
  }
}
