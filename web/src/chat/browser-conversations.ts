import type { Conversation, ConversationStore, Turn } from "./conversations.js";

/** Conversations in this browser's localStorage: used when the conversations API cannot be. */
const STORAGE = "lantern.conversations";
const KEPT = 100;

function read(): Conversation[] {
  try {
    const list = JSON.parse(localStorage.getItem(STORAGE) ?? "[]") as Conversation[];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function write(list: Conversation[]): void {
  const kept = [...list].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, KEPT);
  localStorage.setItem(STORAGE, JSON.stringify(kept));
}

function change(id: string, edit: (c: Conversation) => Conversation): void {
  write(read().map((c) => (c.id === id ? edit(c) : c)));
}

const withoutLastAnswer = (turns: Turn[]) => (turns.at(-1)?.role === "assistant" ? turns.slice(0, -1) : turns);

export const browserConversations: ConversationStore = {
  where: "browser",
  list: async () => read().sort((a, b) => b.updatedAt - a.updatedAt),
  turns: async (id) => read().find((c) => c.id === id)?.turns ?? [],
  async create(title, model) {
    const conversation: Conversation = { id: crypto.randomUUID(), title, model, turns: [], updatedAt: Date.now() };
    write([conversation, ...read()]);
    return conversation;
  },
  update: async (id, edit) => change(id, (c) => ({ ...c, ...edit })),
  remove: async (id) => write(read().filter((c) => c.id !== id)),
  append: async (id, turns) => change(id, (c) => ({ ...c, turns: [...(c.turns ?? []), ...turns], updatedAt: Date.now() })),
  replaceLastAnswer: async (id, answer) => change(id, (c) => ({ ...c, turns: [...withoutLastAnswer(c.turns ?? []), answer], updatedAt: Date.now() })),
};

/** Keeps what the page holds (the conversations it has opened) here, e.g. once the server stopped answering. */
export function keepInBrowser(list: Conversation[]): void {
  const opened = list.filter((c) => c.turns !== null);
  const ids = new Set(opened.map((c) => c.id));
  write([...opened, ...read().filter((c) => !ids.has(c.id))]);
}
