import type { ConversationMessageInput, ConversationMessageView, ConversationView } from "@lantern/shared/contracts";
import { conversationsApi } from "../api/conversations-api.js";
import { messagesOf, type Conversation, type ConversationStore, type Turn } from "./conversations.js";

/** The most messages one append takes (the API's limit). */
const APPEND_BATCH = 1000;

const fromView = (view: ConversationView): Conversation => ({
  id: view.id,
  title: view.title || "Untitled",
  model: view.model ?? "",
  turns: null,
  updatedAt: Date.parse(view.updatedAt),
});

/** System messages (set through the API) are sent by the gateway but not shown as turns. */
const turnsOf = (messages: ConversationMessageView[]): Turn[] =>
  messages.flatMap((m): Turn[] => (m.role === "system" ? [] : [{ role: m.role, content: m.content, ...(m.tokens !== null ? { completionTokens: m.tokens } : {}) }]));

async function appendAll(id: string, messages: ConversationMessageInput[]): Promise<void> {
  for (let i = 0; i < messages.length; i += APPEND_BATCH) await conversationsApi.append(id, messages.slice(i, i + APPEND_BATCH));
}

/**
 * Conversations kept by the gateway for this browser's API key. The page streams over the chat
 * socket, which knows no conversations, so each turn is stored through the messages API once
 * spoken; writes go one at a time so the stored order is the order they were said in.
 */
export function serverConversations(): ConversationStore {
  let last: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(work: () => Promise<T>): Promise<T> => {
    const next = last.then(work);
    last = next.catch(() => undefined);
    return next;
  };
  return {
    where: "server",
    list: async () => (await conversationsApi.list()).map(fromView),
    turns: (id) => inOrder(async () => turnsOf(await conversationsApi.messages(id))),
    create: (title, model) => inOrder(async () => ({ ...fromView(await conversationsApi.create({ title, model })), turns: [] })),
    update: (id, change) => inOrder(async () => void (await conversationsApi.update(id, change))),
    remove: (id) => inOrder(async () => void (await conversationsApi.remove(id))),
    append: (id, turns) => {
      const messages = messagesOf(turns);
      return messages.length === 0 ? Promise.resolve() : inOrder(() => appendAll(id, messages));
    },
    // The API appends and clears only: the history is written again without the old answer.
    replaceLastAnswer: (id, answer) =>
      inOrder(async () => {
        const stored = await conversationsApi.messages(id);
        if (stored.at(-1)?.role !== "assistant") return appendAll(id, messagesOf([answer]));
        await conversationsApi.clear(id);
        await appendAll(id, [...stored.slice(0, -1).map((m) => ({ role: m.role, content: m.content })), ...messagesOf([answer])]);
      }),
  };
}
