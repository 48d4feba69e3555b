import type { AdmissionClaim } from "../context/request-ledger.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { ensureServedBy } from "../workers/ensure-served.js";

/** 404 for a model no worker ever served; 503 at once when it is known but no worker is up. */
export function ensureServed(deps: GatewayDeps, model: string): void {
  ensureServedBy(deps.registry, model);
}

/** The most a request without max_tokens can generate: its model's context (the default for a model no worker serves). */
export function contextSizeOf(deps: GatewayDeps, model: string): number {
  return deps.registry.servedModels().find((m) => m.name === model)?.contextSize ?? deps.config.GATEWAY_DEFAULT_COMPLETION_TOKENS;
}

interface ClaimSize {
  /** Bytes of the prompt as sent, roles and marks included: every token is at least one, so an upper bound. */
  promptBytes: number;
  /** The request's own completion limit, if it sets one. */
  maxTokens: number | undefined;
  /** Choices asked for: each may generate `maxTokens`. */
  n: number;
  /** The models a route may serve it under, for their prices. */
  servedAs?: string[] | undefined;
}

/** What a request is admitted for, by the one estimate every path uses (no tokenizer at the edge). */
export function admissionClaim(deps: GatewayDeps, model: string, size: ClaimSize): AdmissionClaim {
  return {
    model,
    promptTokensEstimate: size.promptBytes,
    completionTokensLimit: (size.maxTokens ?? contextSizeOf(deps, model)) * size.n,
    ...(size.servedAs ? { servedAs: size.servedAs } : {}),
  };
}
