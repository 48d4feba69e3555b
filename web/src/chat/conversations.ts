import type { ApiErrorBody } from "../api/api-error.js";
import type { AnswerFigures } from "./answer-figures.js";

export interface Turn {
  role: "user" | "assistant";
  content: string;
  reasoning?: string;
  error?: ApiErrorBody;
  finishReason?: string;
  completionTokens?: number;
  /** Tokens, time to first token and worker of an answer given in this page. */
  figures?: AnswerFigures;
}

export interface Conversation {
  id: string;
  title: string;
  model: string;
  /** Null until opened: the server's list has no messages in it. */
  turns: Turn[] | null;
  updatedAt: number;
}

type ConversationChange = Partial<Pick<Conversation, "title" | "model">>;

/**
 * Where conversations are kept: the gateway's conversations API, or this browser's storage when
 * the API cannot be used. The chat page reads and writes them only through one of these.
 */
export interface ConversationStore {
  readonly where: "server" | "browser";
  /** Newest first. */
  list(): Promise<Conversation[]>;
  turns(id: string): Promise<Turn[]>;
  create(title: string, model: string): Promise<Conversation>;
  /** Renamed, or answered by another model than before. */
  update(id: string, change: ConversationChange): Promise<void>;
  remove(id: string): Promise<void>;
  append(id: string, turns: Turn[]): Promise<void>;
  /** Regenerate: the last answer (if the conversation ends with one) gives way to this one. */
  replaceLastAnswer(id: string, answer: Turn): Promise<void>;
}

/** What the model is sent and the server keeps: the turns, without failed or empty answers. */
export function messagesOf(turns: Turn[]): Array<{ role: Turn["role"]; content: string }> {
  return turns.filter((t) => t.role === "user" || (!t.error && t.content)).map((t) => ({ role: t.role, content: t.content }));
}

/** A title from the first thing said: its first line, shortened. */
export function titleFrom(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 48 ? `${line.slice(0, 47)}…` : line || "New chat";
}
