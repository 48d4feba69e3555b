import type { CachedAnswer, GenerationSpec, Priority, StreamRecord, TokenUsage } from "@lantern/shared/contracts";
import type { CacheDecision } from "../cache/cache-decision.js";
import type { AnswerBody } from "../cache/response-cache.js";
import type { Cancellation } from "../context/cancel-signal.js";
import type { RequestLedger } from "../context/request-ledger.js";
import type { ChoiceCalls } from "../jobs/choice-fan-out.js";
import type { ProxiedRequest } from "../providers/proxied-request.js";
import type { UpstreamAttempt } from "../providers/upstream-proxy.js";

/** One generation, whatever protocol asked for it: the job spec made once, and the request as the client sent it. */
export interface Generation {
  requestId: string;
  ledger: RequestLedger;
  /** The model the client named (a route's name, or one the fleet serves). */
  model: string;
  /** What the fleet runs, per choice. */
  job: GenerationSpec;
  /** How many choices (`n`): one job each. */
  n: number;
  priority: Priority;
  /** The request field an over-long prompt is reported against. */
  promptParam: string;
  stream: boolean;
  /** The client's body, as an upstream step sends it (with the step's model). */
  upstream: ProxiedRequest;
  /** Whether the answer may come from and go to the cache (the protocol reads what the client asked). */
  cache: CacheDecision | undefined;
  /** Gateways this request already passed through (loop detection). */
  hops: number;
  /** The client went away or cannot keep up: the job is withdrawn or cancelled, the upstream call dropped. */
  cancel: Cancellation;
  /** Sees the complete answer, whoever gave it (the cache, a route's provider, or the fleet). */
  onAnswer?: ((answer: AnswerBody, usage: TokenUsage) => void) | undefined;
}

export type UpstreamAnswer = Exclude<UpstreamAttempt, { kind: "refusal" }>;
export type UpstreamRefusal = Extract<UpstreamAttempt, { kind: "refusal" }>;

/** Who gives a step's answer, and what keeps it once it is complete. */
export interface Delivery {
  /** `local` or the upstream provider's name. */
  provider: string;
  /** The model it is served under: the request's, or a route step's. */
  model: string;
  /** Given by one of a route's steps. */
  routed: boolean;
  keep: ((answer: AnswerBody, usage: TokenUsage) => void) | undefined;
}

/** How a fleet stream's replies are kept for resuming; the serving function adds whose and when. */
export type ResumableStream = Pick<StreamRecord, "method" | "path" | "promptParam" | "shape">;

/**
 * A protocol's rendering of the one answer: the fleet's typed choice events, a cached answer, or
 * an upstream's. A method throws ApiError for a failure while nothing has reached the client
 * (`started` false): the route may then try its next step. Once started, failures are the
 * renderer's to show (an error event on a stream) or are thrown as the request's.
 */
export interface Renderer<R> {
  readonly started: boolean;
  cacheMiss(): void;
  cached(answer: CachedAnswer): R | Promise<R>;
  /** How this protocol keeps a single-choice fleet stream for resuming; undefined: not kept. */
  resumable(model: string): ResumableStream | undefined;
  /** `kept`: the replies go to REPLIES and the stream can be resumed (as `resumable` described). */
  fleet(calls: ChoiceCalls, delivery: Delivery, kept: boolean): Promise<R>;
  upstream(answer: UpstreamAnswer, delivery: Delivery): R | Promise<R>;
  /** An upstream's refusal that ends the request: passed on as the protocol can (or thrown as ApiError). */
  refusal(refusal: UpstreamRefusal): R;
}
