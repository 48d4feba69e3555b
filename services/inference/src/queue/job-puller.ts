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

/**
 * Takes at most one job from a consumer and returns at once when there is none (a `no_wait`
 * pull, which nats.js v3's consumer API does not offer). Asking each priority's consumer in turn
 * without waiting is what lets a worker take high before normal before low.
 *
 * One inbox, one pull in flight at a time: a pulled message arrives with its stream subject,
 * not the inbox's, so replies cannot be told apart by subject.
 */
export class JobPuller {
  private sub: Subscription | undefined;
  private waiter: ((msg: Msg | "timeout") => void) | undefined;
  private pullSentAt = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly inbox = createInbox();

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    /** A pull with no answer in this time counts as empty (the server or link is down). */
    private readonly timeoutMs = 5_000,
    /** A job that arrives after its pull gave up is handed back, never held. */
    private readonly onStray: (job: JobMessage) => void = (job) => job.nak(),
  ) {}

  start(): void {
    this.sub = this.nc.subscribe(this.inbox, {
      callback: (_err, msg) => {
        const waiter = this.waiter;
        this.waiter = undefined;
        if (waiter) waiter(msg);
        else if (msg.reply) this.onStray(new PulledJob(msg));
      },
    });
  }

  /** The next job of `durable`, or null when it has none waiting right now. */
  pull(durable: string): Promise<JobMessage | null> {
    const next = this.tail.then(() => this.pullNow(durable));
    this.tail = next.catch(() => {});
    return next;
  }

  private pullNow(durable: string): Promise<JobMessage | null> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.waiter?.("timeout"), this.timeoutMs);
      this.pullSentAt = performance.now();
      this.waiter = (msg) => {
        clearTimeout(timer);
        this.waiter = undefined;
        // Status replies (404 no messages, 408 expired, 409 consumer gone) carry no job.
        if (msg === "timeout" || !msg.reply || msg.headers?.code) resolve(null);
        else {
          try {
            resolve(new PulledJob(msg));
          } catch (err) {
            reject(err);
          }
        }
      };
      try {
        this.nc.publish(jetStreamApi.consumerNext(this.stream, durable), PULL, {
          reply: this.inbox,
        });
      } catch (err) {
        clearTimeout(timer);
        this.waiter = undefined;
        reject(err);
      }
    });
  }

  /**
   * Gives up on the pull in flight when it has waited longer than `ms`. A no-wait pull is answered
   * in about a millisecond, except when its consumer still counts a job that was deleted from the
   * stream (a withdrawn job): nats-server 2.9 then holds the request until the next job arrives.
   * The worker calls this when more urgent work rang (its lane); a job the abandoned request is
   * later answered with comes back as a stray and is handed back.
   */
  abandonSlowPull(ms: number): void {
    if (this.waiter && performance.now() - this.pullSentAt > ms) this.waiter("timeout");
  }

  stop(): void {
    this.waiter?.("timeout");
    this.sub?.unsubscribe();
  }
}
