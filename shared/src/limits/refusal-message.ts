import type { Refusal } from "./limit-counters.js";

/** Dollars as people write them: at most six decimals, no float noise (0.014, not 0.014000000000000002). */
const usd = (amount: number) => `$${Math.round(amount * 1e6) / 1e6}`;

/**
 * Whether waiting can ever help: a request that alone needs more than a whole window or a whole
 * budget is refused every time, and must be made smaller instead.
 */
export function refusalIsFinal(refusal: Refusal): boolean {
  if (refusal.kind === "tokens") return refusal.requested > refusal.limit;
  if (refusal.kind === "budget") return refusal.requestUsd > refusal.amountUsd || refusal.retryAfterSeconds === null;
  return false;
}

/**
 * What a refused admission says, for the one it was refused to: `key` names the key ("This API
 * key", "The API key this work belongs to"), `what` the thing admitted ("request", "call").
 * It tells a limit already reached apart from one this request alone is too big for.
 */
export function refusalMessage(refusal: Refusal, key: string, what: string): string {
  switch (refusal.kind) {
    case "requests":
      return `Rate limit reached: ${refusal.limit} requests per ${refusal.windowSeconds} s for ${lower(key)}. Retry after ${refusal.retryAfterSeconds} s.`;
    case "tokens":
      return refusal.requested > refusal.limit
        ? `This ${what} may use ${refusal.requested} tokens (its prompt's size and max_tokens), more than the limit of ${refusal.limit} tokens per ${refusal.windowSeconds} s of ${lower(key)}. Lower max_tokens or shorten the prompt.`
        : `Rate limit reached: ${refusal.limit} tokens per ${refusal.windowSeconds} s for ${lower(key)}. Retry after ${refusal.retryAfterSeconds} s.`;
    case "concurrency":
      return `Too many concurrent ${what}s for ${lower(key)} (at most ${refusal.limit}).`;
    case "budget": {
      const left = Math.max(0, refusal.amountUsd - refusal.spentUsd);
      if (refusal.spentUsd >= refusal.amountUsd || left === 0) return `${key} has used its budget of ${usd(refusal.amountUsd)} for the period.`;
      return (
        `This ${what} may cost up to ${usd(refusal.requestUsd)} (its prompt's size and max_tokens at the model's prices), ` +
        `more than the ${usd(left)} left of the ${usd(refusal.amountUsd)} budget of ${lower(key)} for the period. ` +
        "Lower max_tokens or shorten the prompt."
      );
    }
  }
}

const lower = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);
