import type { ConversationRole } from "@lantern/shared/contracts";

export interface WindowMessage {
  role: ConversationRole;
  content: string;
  /** Tokens a worker measured for it (an assistant answer's completion tokens); null when unknown. */
  tokens: number | null;
}

/** Template marks around each message (role headers, separators): generous for common templates. */
export const MESSAGE_OVERHEAD_TOKENS = 16;

/**
 * A message's tokens: what a worker measured, else its UTF-8 bytes plus the template marks. Every
 * token spells at least one byte, so the estimate never falls short; the gateway has no tokenizer.
 */
export function estimateTokens(message: WindowMessage): number {
  return (message.tokens ?? Buffer.byteLength(message.content, "utf8")) + MESSAGE_OVERHEAD_TOKENS;
}

interface HistoryWindow<M extends WindowMessage> {
  /** The history to send, oldest first. */
  kept: M[];
  /** How many stored messages were left out (the oldest non-system ones). */
  dropped: number;
}

/**
 * The stored history that fits in front of a new turn: every system message, then the newest
 * other messages whose estimated tokens fit in `budget` (the model's context, less the answer's
 * room and the new turn). Stops at the first that does not fit, so what is kept is contiguous.
 */
export function historyWindow<M extends WindowMessage>(history: M[], budget: number): HistoryWindow<M> {
  let left = budget - history.filter((m) => m.role === "system").reduce((n, m) => n + estimateTokens(m), 0);
  const keep = new Set<M>(history.filter((m) => m.role === "system"));
  for (let i = history.length - 1; i >= 0; i--) {
    const message = history[i]!;
    if (message.role === "system") continue;
    const cost = estimateTokens(message);
    if (cost > left) break;
    left -= cost;
    keep.add(message);
  }
  const kept = history.filter((m) => keep.has(m));
  return { kept, dropped: history.length - kept.length };
}
