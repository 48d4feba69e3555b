import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { adviceFor, type ApiErrorBody } from "../api/api-error.js";
import { apiKey } from "../api/api-key.js";
import { ChatClient } from "../api/chat-client.js";
import { listModels } from "../api/models.js";
import { answerClock } from "./answer-figures.js";
import { browserConversations, keepInBrowser } from "./browser-conversations.js";
import { loadSettings, paramsFrom, saveSettings, type ChatSettings } from "./chat-settings.js";
import { ConversationList } from "./conversation-list.js";
import { modelToPick } from "./default-model.js";
import { messagesOf, titleFrom, type Conversation, type ConversationStore, type Turn } from "./conversations.js";
import { fallbackReason, openConversations } from "./open-conversations.js";
import { SettingsPanel } from "./settings-panel.js";
import { TurnView } from "./turn-view.js";

interface Running {
  chatId: string;
  conversationId: string;
}

export function ChatPage() {
  const client = useMemo(() => new ChatClient(), []);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [models, setModels] = useState<string[]>([]);
  const [modelsError, setModelsError] = useState<ApiErrorBody | null>(null);
  const [model, setModel] = useState("");
  const [draft, setDraft] = useState("");
  const [running, setRunning] = useState<Running | null>(null);
  const [settings, setSettings] = useState<ChatSettings>(loadSettings);
  const [showSettings, setShowSettings] = useState(false);
  const [showSidebar, setShowSidebar] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  /** Why conversations are kept in this browser only (null: the server keeps them). */
  const [fallback, setFallback] = useState<string | null>(null);
  const store = useRef<ConversationStore>(browserConversations);
  // A sent turn waits for its conversation to be made: a second Enter must not make another.
  const [creating, setCreating] = useState(false);
  // Where a new conversation goes is known once the list answered.
  const listed = useRef<Promise<void>>(Promise.resolve());
  const endRef = useRef<HTMLDivElement>(null);
  const current = conversations.find((c) => c.id === currentId) ?? null;
  const canSend = !running && !creating && Boolean(model) && current?.turns !== null;

  const refreshModels = async () => {
    const answer = await listModels().catch(() => ({ error: { message: "The gateway cannot be reached.", type: "connection", param: null, code: null } }));
    if ("error" in answer) return setModelsError(answer.error);
    setModelsError(null);
    setModels(answer.models);
    setModel((m) => modelToPick(answer.models, m, current?.model));
  };

  /** The server's conversations for this key (or this browser's), opening the newest. */
  const loadConversations = () => {
    listed.current = openConversations().then((opened) => {
      store.current = opened.store;
      setFallback(opened.fallback);
      setConversations(opened.conversations);
      const newest = opened.conversations[0];
      setCurrentId(newest?.id ?? null);
      if (newest) void openTurns(newest.id, opened.store);
    });
  };

  /** A write or read the server refused: the browser keeps the conversations from now on. */
  const fallBack = (error: unknown): ConversationStore => {
    if (store.current.where === "server") {
      store.current = browserConversations;
      setFallback(fallbackReason(error));
    }
    return store.current;
  };
  /** Writes through the store; a failure of one no longer in use (the key changed) is no reason to fall back. */
  const keep = (from: ConversationStore, write: (s: ConversationStore) => Promise<void>) =>
    void write(from).catch((error: unknown) => {
      if (from === store.current) fallBack(error);
    });

  useEffect(() => {
    void refreshModels();
    loadConversations();
    return () => client.close();
  }, []);
  // An opened conversation goes on with the model it was using, when that is still served.
  useEffect(() => {
    if (current?.model && models.includes(current.model)) setModel(current.model);
  }, [currentId, models]);
  // In the browser, what the page holds is written whole once nothing streams (as before the API
  // existed): that also keeps an answer that was streaming when the server stopped answering.
  useEffect(() => {
    if (!running && store.current.where === "browser") keepInBrowser(conversations);
  }, [conversations, running, fallback]);
  useEffect(() => endRef.current?.scrollIntoView({ block: "end" }), [current?.turns?.length, current?.turns?.at(-1)?.content.length]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") stop();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  const update = (id: string, change: (c: Conversation) => Conversation) => setConversations((list) => list.map((c) => (c.id === id ? change(c) : c)));
  const updateLastTurn = (id: string, change: (t: Turn) => Turn) =>
    update(id, (c) => ({ ...c, updatedAt: Date.now(), turns: [...(c.turns ?? []).slice(0, -1), change(c.turns!.at(-1)!)] }));

  async function openTurns(id: string, from: ConversationStore) {
    const turns = await from.turns(id).catch((error: unknown) => fallBack(error).turns(id));
    update(id, (c) => ({ ...c, turns: c.turns ?? turns }));
  }

  /** Answers the conversation's last user turn into a fresh assistant turn; kept once it ends. */
  const answer = (conversation: Conversation & { turns: Turn[] }, replacing: boolean) => {
    const built = paramsFrom(settings);
    if ("problem" in built) return setProblem(built.problem);
    setProblem(null);
    const chatId = crypto.randomUUID();
    const messages = messagesOf(conversation.turns);
    const id = conversation.id;
    const keeper = store.current;
    if (conversation.model !== model) keep(keeper, (s) => s.update(id, { model }));
    update(id, (c) => ({ ...c, model, turns: [...(c.turns ?? []), { role: "assistant", content: "", reasoning: "" }] }));
    setRunning({ chatId, conversationId: id });
    // The answer so far: shown as it grows, kept once it ends.
    let said: Turn = { role: "assistant", content: "", reasoning: "" };
    const end = (last: Partial<Turn>) => {
      said = { ...said, ...last };
      const now = said;
      updateLastTurn(id, () => now);
      setRunning((r) => (r?.chatId === chatId ? null : r));
      // Kept where the turn began; after a fall back to the browser, the effect above keeps it.
      if (keeper === store.current) keep(keeper, (s) => (replacing ? s.replaceLastAnswer(id, said) : s.append(id, [said])));
    };
    const clock = answerClock();
    client.chat(chatId, model, messages, built.params, {
      onDelta: (delta) => {
        clock.output();
        said = { ...said, content: said.content + (delta.content ?? ""), reasoning: (said.reasoning ?? "") + (delta.reasoning ?? "") };
        const now = said;
        updateLastTurn(id, () => now);
      },
      onDone: (done) =>
        end({ finishReason: done.finishReason, ...(done.usage ? { completionTokens: done.usage.completion_tokens, figures: clock.figures(done.usage, done.workerIds) } : {}) }),
      onError: (error) => end({ error }),
    });
  };

  const send = async () => {
    const text = draft.trim();
    if (!text || !canSend) return;
    setDraft("");
    setCreating(true);
    await listed.current;
    const title = titleFrom(text);
    const conversation = current ?? (await store.current.create(title, model).catch((error: unknown) => fallBack(error).create(title, model)));
    setCreating(false);
    const turn: Turn = { role: "user", content: text };
    const next = { ...conversation, turns: [...(conversation.turns ?? []), turn], updatedAt: Date.now() };
    setConversations((list) => [next, ...list.filter((c) => c.id !== next.id)]);
    setCurrentId(next.id);
    keep(store.current, (s) => s.append(next.id, [turn]));
    answer(next, false);
  };

  function stop() {
    if (running) client.stop(running.chatId);
  }

  const regenerate = () => {
    if (!current?.turns || running) return;
    const turns = current.turns.at(-1)?.role === "assistant" ? current.turns.slice(0, -1) : current.turns;
    const trimmed = { ...current, turns };
    update(current.id, () => trimmed);
    answer(trimmed, true);
  };

  const startNew = () => {
    setCurrentId(null);
    setDraft("");
    setShowSidebar(false);
  };
  const pick = (id: string) => {
    setCurrentId(id);
    setShowSidebar(false);
    if (conversations.find((c) => c.id === id)?.turns === null) void openTurns(id, store.current);
  };
  const rename = (id: string, title: string) => {
    update(id, (c) => ({ ...c, title }));
    keep(store.current, (s) => s.update(id, { title }));
  };
  const remove = (id: string) => {
    if (running?.conversationId === id) client.stop(running.chatId);
    setConversations((list) => list.filter((c) => c.id !== id));
    if (currentId === id) setCurrentId(null);
    keep(store.current, (s) => s.remove(id));
  };
  const changeSettings = (next: ChatSettings, key: string) => {
    setSettings(next);
    saveSettings(next);
    if (key !== apiKey.get()) {
      apiKey.set(key);
      client.close();
      void refreshModels();
      // Conversations belong to the key that made them.
      loadConversations();
    }
  };

  const streamingHere = running !== null && running.conversationId === current?.id;
  const turns = current?.turns ?? null;
  const lastTurn = turns?.at(-1);
  return (
    <div class={`chat ${showSidebar ? "sidebar-open" : ""}`}>
      <aside class="sidebar">
        <button class="primary" data-testid="new-chat" onClick={startNew}>
          New chat
        </button>
        <ConversationList conversations={conversations} currentId={currentId} onPick={pick} onRename={rename} onRemove={remove} />
      </aside>
      <section class="conversation">
        <header class="chat-header">
          <button class="icon sidebar-toggle" aria-label="Conversations" onClick={() => setShowSidebar(!showSidebar)}>
            ☰
          </button>
          <select data-testid="model-picker" value={model} onChange={(e) => setModel(e.currentTarget.value)} aria-label="Model">
            {models.length === 0 ? <option value="">No models</option> : null}
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <button class="icon" title="Reload the model list" onClick={() => void refreshModels()}>
            ⟳
          </button>
          <button data-testid="settings-toggle" onClick={() => setShowSettings(!showSettings)}>
            Settings
          </button>
        </header>
        {showSettings ? <SettingsPanel settings={settings} apiKey={apiKey.get()} onChange={changeSettings} /> : null}
        {fallback ? (
          <div class="note-box" role="status" data-testid="storage-note">
            <span>{fallback}</span>
            <button onClick={loadConversations}>Try the server again</button>
          </div>
        ) : null}
        {modelsError ? (
          <div class="error-box" role="alert" data-testid="models-error">
            <strong>{modelsError.message}</strong>
            <div>{adviceFor(modelsError)}</div>
          </div>
        ) : null}
        <div class="turns" data-testid="turns">
          {turns?.map((turn, i) => <TurnView key={i} turn={turn} streaming={streamingHere && i === turns.length - 1} />)}
          {current && !turns ? <p class="empty">Loading…</p> : null}
          {!current || turns?.length === 0 ? <p class="empty">Ask something. Enter sends, Shift+Enter starts a new line, Esc stops.</p> : null}
          <div ref={endRef} />
        </div>
        {problem ? <div class="error-box" role="alert">{problem}</div> : null}
        <footer class="composer">
          <textarea
            data-testid="composer"
            rows={2}
            placeholder="Message"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                void send();
              }
            }}
          />
          <div class="actions">
            {running || creating ? (
              <button class="danger" data-testid="stop" onClick={stop} disabled={!running}>
                Stop
              </button>
            ) : (
              <button class="primary" data-testid="send" onClick={() => void send()} disabled={!draft.trim() || !canSend}>
                Send
              </button>
            )}
            {!running && lastTurn?.role === "assistant" ? (
              <button data-testid="regenerate" onClick={regenerate}>
                Regenerate
              </button>
            ) : null}
          </div>
        </footer>
      </section>
    </div>
  );
}
