import type { ApiErrorBody } from "../api/api-error.js";

export interface Turn {
  role: "user" | "assistant";
  content: string;
  reasoning?: string;
  error?: ApiErrorBody;
  finishReason?: string;
  completionTokens?: number;
}

export interface Conversation {
  id: string;
  title: string;
  model: string;
  turns: Turn[];
  updatedAt: number;
}

/*
 * Conversations live in this browser's localStorage until the gateway has a conversations API;
 * the page reads and writes them only through this module.
 */
const STORAGE = "lantern.conversations";
const KEPT = 100;

export function loadConversations(): Conversation[] {
  try {
    const list = JSON.parse(localStorage.getItem(STORAGE) ?? "[]") as Conversation[];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export function saveConversations(list: Conversation[]): void {
  const kept = [...list].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, KEPT);
  localStorage.setItem(STORAGE, JSON.stringify(kept));
}

export function newConversation(model: string): Conversation {
  return { id: crypto.randomUUID(), title: "New chat", model, turns: [], updatedAt: Date.now() };
}

/** A title from the first thing said: its first line, shortened. */
export function titleFrom(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 48 ? `${line.slice(0, 47)}…` : line || "New chat";
}
