import type { TokenUsage } from "@lantern/shared/contracts";

/** OpenAI usage (`prompt_tokens`, `completion_tokens`) as the platform counts it; zeros when absent. */
export function tokenUsageOf(usage: unknown): TokenUsage {
  const u = (usage ?? {}) as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0);
  return { promptTokens: count(u.prompt_tokens), completionTokens: count(u.completion_tokens) };
}
