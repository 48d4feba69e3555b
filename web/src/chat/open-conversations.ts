import { browserConversations } from "./browser-conversations.js";
import type { Conversation, ConversationStore } from "./conversations.js";
import { serverConversations } from "./server-conversations.js";

interface OpenedConversations {
  store: ConversationStore;
  conversations: Conversation[];
  /** Why they are kept in this browser only; null when the server keeps them. */
  fallback: string | null;
}

/** Why the conversations API could not be used, in a sentence for the page. */
export function fallbackReason(error: unknown): string {
  const said = error instanceof Error ? error.message : String(error);
  return `Conversations are kept in this browser only: the conversations API failed (${said}).`;
}

/** The server's conversations for this API key, or this browser's when the API is unreachable or refuses. */
export async function openConversations(): Promise<OpenedConversations> {
  const server = serverConversations();
  try {
    return { store: server, conversations: await server.list(), fallback: null };
  } catch (error) {
    return { store: browserConversations, conversations: await browserConversations.list(), fallback: fallbackReason(error) };
  }
}
