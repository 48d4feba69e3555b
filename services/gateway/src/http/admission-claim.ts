import type { AdmissionClaim } from "../edge/request-ledger.js";

const positiveInt = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;

/**
 * The admission claim of a request body as a client sent it (to an upstream, or before the
 * cache): its size in bytes bounds its prompt tokens (no tokenizer here), and `max_tokens` × `n`
 * its completion (`defaultCompletionTokens` when it sets no limit: GATEWAY_DEFAULT_COMPLETION_TOKENS).
 */
export function admissionClaim(model: string, body: Record<string, unknown>, bodyText: string, defaultCompletionTokens: number): AdmissionClaim {
  const maxTokens = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? defaultCompletionTokens;
  return {
    model,
    promptTokensEstimate: Buffer.byteLength(bodyText, "utf8"),
    completionTokensLimit: maxTokens * (positiveInt(body.n) ?? 1),
  };
}
