import type { KeyPolicy, TokenUsage } from "@lantern/shared/contracts";
import type { ApiError } from "../errors/api-error.js";

/** Who is calling: a key's policy, or nobody when the gateway runs in open mode. */
export interface Caller {
  keyId: string | null;
  policy: KeyPolicy | null;
}

export interface AdmissionClaim {
  model: string;
  /** An upper bound of the prompt's tokens, made from the request (the tokenizer lives on the worker). */
  promptTokensEstimate: number;
  /** The most completion tokens the request can produce (max_tokens × n, or a default). */
  completionTokensLimit: number;
  /**
   * The models that may answer it under the name it asked for (a route's steps). Its reservation
   * is priced at the dearest of them when that name has no price of its own.
   */
  servedAs?: readonly string[] | undefined;
}

export interface ServedBy {
  /** `local` (the worker fleet) or an upstream provider's name. */
  provider?: string;
  workerIds?: Iterable<string>;
  cacheHit?: boolean;
  /** The model that answered, when not the one asked for (a route's step): its price applies when the asked name has none. */
  model?: string;
}

/**
 * The accounting of one `/v1` request from arrival to its last byte. Admission checks the key's
 * model access and reserves room in its limits (request and token windows, concurrency, budget);
 * when the response ends (a body, the end of a stream, or the client leaving) the reservation is
 * settled with the real usage and one usage event is published.
 */
export interface RequestLedger {
  readonly caller: Caller;
  /** Throws ApiError 403 (model not allowed) or 429 (over a limit, with Retry-After). At most once per request. */
  admit(claim: AdmissionClaim): Promise<void>;
  /**
   * Admits a request that queues work run later (a task, a pipeline run): it counts in the key's
   * request windows and is refused once the key's budget is spent. The work's model calls are
   * admitted where they run (the orchestrator). Throws ApiError 429 like `admit`.
   */
  admitSubmission(): Promise<void>;
  /**
   * Admits at once when that needs no round trip (the key has no limits, or this gateway's lease
   * on its counters covers the claim) and returns true; false when `admit` must decide. Throws
   * ApiError 403 like `admit`.
   */
  admitNow(claim: AdmissionClaim): boolean;
  /**
   * True when admitting `claim` is all but certain (the key's counters, as last seen, leave half of
   * every limit): work may then start while `admit` decides, as long as nothing reaches the client
   * before it has. False when admission is instant anyway, or could well refuse.
   */
  hasRoom(claim: AdmissionClaim): boolean;
  /** The model the request names, as soon as it is read (events carry it even when the request fails before admission). */
  requestedModel(model: string): void;
  servedBy(info: ServedBy): void;
  /** The response is a stream (SSE). */
  streaming(): void;
  /** The first generated text went out (time to first token). */
  firstOutput(): void;
  /** Real usage as reported by the worker or upstream, or replayed from the cache. */
  usage(tokens: TokenUsage): void;
  /** The request failed with this error (its type goes into the usage event), even after a stream began. */
  failed(error: ApiError): void;
  /** The gateway cut the response short for this error (after a 200): the event records the error's status. */
  dropped(error: ApiError): void;
}
