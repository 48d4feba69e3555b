import type { AdmissionClaim } from "../edge/request-ledger.js";

/** What a request without `max_tokens` is assumed to be able to produce. */
export const DEFAULT_COMPLETION_TOKENS_CLAIM = 4096;

const positiveInt = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;

/**
 * The admission claim of a request body as a client sent it (to an upstream, or before the
 * cache): its size in bytes bounds its prompt tokens (no tokenizer here), and `max_tokens` × `n`
 * its completion.
 */
export function admissionClaim(model: string, body: Record<string, unknown>, bodyText: string): AdmissionClaim {
  const maxTokens = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? DEFAULT_COMPLETION_TOKENS_CLAIM;
  return {
    model,
    promptTokensEstimate: Buffer.byteLength(bodyText, "utf8"),
    completionTokensLimit: maxTokens * (positiveInt(body.n) ?? 1),
  };
}
