import type { ChatTurn } from "@lantern/shared/contracts";

/**
 * The model's default system prompt put first in a chat that has no system message of its own
 * (as llama.cpp servers started with a system prompt do); a chat that brings one keeps it alone.
 */
export function withSystemPrompt(messages: ChatTurn[], systemPrompt: string): ChatTurn[] {
  if (!systemPrompt || messages.some((m) => m.role === "system")) return messages;
  return [{ role: "system", content: systemPrompt }, ...messages];
}
