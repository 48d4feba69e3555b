import type { Context } from "hono";
import { LOCAL_PROVIDER, type ModelRoute, type RouteStep, type TokenUsage } from "@lantern/shared/contracts";
import { answerBodyOf, type AnswerBody } from "../cache/response-cache.js";
import { ApiError, ClientGoneError } from "../errors/api-error.js";
import type { GatewayDeps, GatewayEnv } from "../http/gateway-env.js";
import { clientGone, type Cancellation } from "../http/cancel-signal.js";
import { serveGeneration, type GenerationRequest } from "../http/serve-generation.js";
import { hopsOf } from "./gateway-hops.js";
import { PROVIDER_HEADER } from "./provider-header.js";
import { upstreamBody, type ProxiedRequest } from "./proxied-request.js";
import { attemptUpstream, deliverUpstream, refusalResponse, type UpstreamAttempt } from "./upstream-proxy.js";
import { upstreamTimedOut } from "./upstream-errors.js";
import { setResponseHeader } from "../http/response-headers.js";

/** Pause before another attempt at the same step, longer each time. */
export const RETRY_BACKOFF_MS = 100;

export interface RoutedRequest {
  route: ModelRoute;
  /** How a `local` step serves it (its model replaced by the step's). */
  local: GenerationRequest;
  /** How an upstream step sends it. */
  upstream: ProxiedRequest;
  /** Keeps the complete answer, with who gave it (the cache). */
  keep?: ((answer: AnswerBody, usage: TokenUsage, provider: string) => void) | undefined;
}

type StepFailure = { kind: "error"; error: ApiError } | Extract<UpstreamAttempt, { kind: "refusal" }>;
type StepOutcome = { kind: "served"; response: Response } | StepFailure;

/** Overloaded, out of capacity, failing or not serving the model: worth trying elsewhere. */
export function worthAnotherStep(status: number, code: string | null): boolean {
  return code === "model_not_found" || status === 429 || status >= 500;
}

function failsOver(failure: StepFailure): boolean {
  return failure.kind === "error" ? worthAnotherStep(failure.error.status, failure.error.code) : worthAnotherStep(failure.status, null);
}

/** A local step: the worker fleet under the step's model; its timeout bounds the wait for a worker (and, unstreamed, the answer). */
async function tryLocal(c: Context<GatewayEnv>, deps: GatewayDeps, step: RouteStep, routed: RoutedRequest): Promise<StepOutcome> {
  const deadline = new AbortController();
  let timedOut = false;
  const timer =
    step.timeoutMs === null
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          deadline.abort();
        }, step.timeoutMs);
  setResponseHeader(c, PROVIDER_HEADER, LOCAL_PROVIDER);
  const keep = routed.keep;
  try {
    const response = await serveGeneration(c, deps, {
      ...routed.local,
      model: step.model,
      signal: deadline.signal,
      onAnswer: keep && ((body, usage) => keepLocal(keep, body, usage)),
    });
    return { kind: "served", response };
  } catch (err) {
    setResponseHeader(c, PROVIDER_HEADER, undefined);
    if (err instanceof ClientGoneError && timedOut) return { kind: "error", error: upstreamTimedOut(LOCAL_PROVIDER, step.timeoutMs!) };
    if (err instanceof ApiError) return { kind: "error", error: err };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps a fleet answer (the body `serveGeneration` built) under the local provider. */
export function keepLocal(keep: NonNullable<RoutedRequest["keep"]>, body: object, usage: TokenUsage): void {
  const answer = answerBodyOf(body);
  if (answer) keep(answer, usage, LOCAL_PROVIDER);
}

async function tryUpstream(c: Context<GatewayEnv>, deps: GatewayDeps, step: RouteStep, routed: RoutedRequest, signal: Cancellation): Promise<StepOutcome> {
  const provider = deps.providers.get(step.provider);
  if (!provider) {
    return {
      kind: "error",
      error: new ApiError(502, "server_error", `The route names an upstream provider '${step.provider}' that is not registered.`, { code: "provider_not_found" }),
    };
  }
  const { upstream } = routed;
  let attempt: UpstreamAttempt;
  try {
    attempt = await attemptUpstream(
      deps.upstream,
      { provider, endpoint: upstream.endpoint, body: upstreamBody(upstream, step.model), signal, timeoutMs: step.timeoutMs, hops: hopsOf(c.env.incoming.headers) },
      upstream.stream,
    );
  } catch (err) {
    if (err instanceof ApiError) return { kind: "error", error: err };
    throw err;
  }
  if (attempt.kind === "refusal") return attempt;
  const keep = routed.keep;
  return {
    kind: "served",
    response: deliverUpstream(c, attempt, {
      includeUsage: upstream.includeUsage,
      keep: keep && ((answer, usage) => keep(answer, usage, provider.name)),
    }),
  };
}

/**
 * Serves a routed model by trying its steps in order: a step that answers 429, 503 or another
 * 5xx, cannot be reached or times out is tried `retries` more times, then the next step is. Only
 * a failure before anything was sent can fall through; the last failure is the answer when
 * every step failed. Any other answer (a 400 from an upstream, say) is the client's at once.
 */
export async function serveRoute(c: Context<GatewayEnv>, deps: GatewayDeps, routed: RoutedRequest): Promise<Response> {
  const signal = clientGone(c);
  const log = deps.logger.child({ component: "routes", requestId: c.get("requestId"), model: routed.route.model });
  let last: StepFailure | undefined;
  for (const [stepIndex, step] of routed.route.steps.entries()) {
    for (let attempt = 0; attempt <= step.retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS * attempt));
      if (signal.aborted) throw new ClientGoneError();
      // Whichever step answers, its model's price applies where the route's name has none.
      c.get("ledger").servedBy({ model: step.model });
      const outcome = step.provider === LOCAL_PROVIDER ? await tryLocal(c, deps, step, routed) : await tryUpstream(c, deps, step, routed, signal);
      if (outcome.kind === "served") return outcome.response;
      last = outcome;
      const status = outcome.kind === "error" ? outcome.error.status : outcome.status;
      log.info({ step: stepIndex, provider: step.provider, attempt, status }, "route step failed");
      if (!failsOver(outcome)) return answerFailure(c, outcome);
    }
  }
  return answerFailure(c, last!);
}

function answerFailure(c: Context<GatewayEnv>, failure: StepFailure): Response {
  if (failure.kind === "error") throw failure.error;
  return refusalResponse(c, failure);
}
