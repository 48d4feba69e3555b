import type { WsUsage } from "@lantern/shared/contracts";

/** What one answer cost and how quickly it came, shown under it. */
export interface AnswerFigures {
  promptTokens: number;
  /** Of the prompt tokens, those the worker's slot already held. */
  cachedTokens: number;
  completionTokens: number;
  /** From sending the chat to its first text or thought, as this page saw it (so queueing included). */
  firstTokenMs: number | null;
  /** The workers that generated it; none for an answer from the cache or an upstream provider. */
  workerIds: string[];
}

/** Times one answer from the moment it is sent; `figures` once it is done. */
export function answerClock(now: () => number = () => performance.now()) {
  const sentAt = now();
  let firstTokenMs: number | null = null;
  return {
    /** A delta arrived: the first one fixes the time to first token. */
    output(): void {
      firstTokenMs ??= Math.round(now() - sentAt);
    },
    figures(usage: WsUsage, workerIds: string[]): AnswerFigures {
      return {
        promptTokens: usage.prompt_tokens,
        cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
        completionTokens: usage.completion_tokens,
        firstTokenMs,
        workerIds,
      };
    },
  };
}
