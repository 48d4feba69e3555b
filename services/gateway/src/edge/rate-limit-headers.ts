import type { LimitStanding } from "@lantern/shared/limits";

/** `6m0s`, `59s`, `1h0m0s`, `250ms`: how OpenAI writes its reset times. */
export function resetDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1_000);
  const h = Math.floor(seconds / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/**
 * OpenAI's rate-limit headers (`x-ratelimit-{limit,remaining,reset}-{requests,tokens}`), so SDKs
 * and clients that pace themselves by them work here too. With several windows of one kind, the
 * one with the least room left speaks for it.
 */
export function rateLimitHeaders(standing: readonly LimitStanding[]): Array<[string, string]> {
  const tightest = new Map<LimitStanding["kind"], LimitStanding>();
  for (const limit of standing) {
    const shown = tightest.get(limit.kind);
    if (!shown || limit.remaining < shown.remaining) tightest.set(limit.kind, limit);
  }
  const headers: Array<[string, string]> = [];
  for (const [kind, limit] of tightest) {
    headers.push(
      [`x-ratelimit-limit-${kind}`, String(limit.limit)],
      [`x-ratelimit-remaining-${kind}`, String(limit.remaining)],
      [`x-ratelimit-reset-${kind}`, resetDuration(limit.resetMs)],
    );
  }
  return headers;
}
